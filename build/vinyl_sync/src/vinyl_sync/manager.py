# generated from src/vinyl_async/manager.py by codegen — do not edit

"""``VinylManager``: the model attribute that hands out vinyl querysets.

It is a descriptor, not a Django ``Manager``: Django never sees it (it is not in
``_meta.managers``, never becomes the default manager, and Django's internals
keep using ``objects``). ``M.vinyl`` gives a :class:`Manager` bound to ``M``'s
vinyl twin; like a Django manager it is not reachable from instances.

For type checkers ``M.vinyl`` is a ``Manager[M]``: querysets are ``QuerySet[M]``
and ``M.vinyl.get(...)`` is an ``M``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar

from django.db.models import Model

from .conf import require_ready
from .instances import twin_of
from .query import QuerySet

__all__ = ["Manager", "VinylManager"]

_M = TypeVar("_M", bound=Model)
_T = TypeVar("_T", bound=Model)

# QuerySet methods a manager offers (Django's manager hides delete() and as_manager()).
_PROXIED = frozenset(
    name
    for name in dir(QuerySet)
    if not name.startswith("_") and name not in {"delete", "as_manager", "model", "query", "db"}
)


class Manager(Generic[_M]):
    """``M.vinyl``: the entry point of vinyl queries on model ``M``.

    Every public QuerySet method except ``delete()`` is available on it, as on
    Django's managers: ``M.vinyl.filter(...)`` is ``M.vinyl.all().filter(...)``.
    """

    def __init__(self, model: type[_M], using: str | None = None):
        #: the vinyl twin of the model: the class of the instances vinyl returns
        self.model = twin_of(model)
        self._db = using

    def __repr__(self) -> str:
        return f"<vinyl Manager of {self.model._meta.label}>"

    @property
    def db(self) -> str:
        """The database alias queries of this manager use by default."""
        return self.get_queryset().db

    def get_queryset(self) -> QuerySet[_M]:
        """A new, unevaluated vinyl QuerySet of every row."""
        return QuerySet(model=self.model, using=self._db)

    def __getattr__(self, name: str) -> Any:
        if name in _PROXIED:
            return getattr(self.get_queryset(), name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # The most used QuerySet methods, spelled out so that type checkers see the model
    # type; the others are reached through __getattr__. (annotate, values and
    # values_list are left out on purpose: through ``M.vinyl.all()`` they are Django's
    # methods, which django-stubs' mypy plugin types with the annotations and rows.)

    # -- chainable: each returns a new QuerySet ------------------------------------------

    def all(self) -> QuerySet[_M]:
        """A QuerySet of every row (nothing is fetched until it is awaited)."""
        return self.get_queryset()

    def using(self, alias: str) -> QuerySet[_M]:
        """A QuerySet on database *alias* (ConfigurationError at first use if unknown)."""
        return self.get_queryset().using(alias)

    def filter(self, *args: Any, **kwargs: Any) -> QuerySet[_M]:
        """Django's ``filter()``: rows matching the lookups (Q objects or keywords)."""
        return self.get_queryset().filter(*args, **kwargs)

    def exclude(self, *args: Any, **kwargs: Any) -> QuerySet[_M]:
        """Django's ``exclude()``: rows not matching the lookups."""
        return self.get_queryset().exclude(*args, **kwargs)

    def order_by(self, *field_names: Any) -> QuerySet[_M]:
        """Django's ``order_by()``."""
        return self.get_queryset().order_by(*field_names)

    def select_related(self, *fields: Any) -> QuerySet[_M]:
        """Django's ``select_related()``: forward relations joined into the same query."""
        return self.get_queryset().select_related(*fields)

    def prefetch_related(self, *lookups: Any) -> QuerySet[_M]:
        """Django's ``prefetch_related()``: related rows fetched with one query per lookup."""
        return self.get_queryset().prefetch_related(*lookups)

    def only(self, *fields: str) -> QuerySet[_M]:
        """Django's ``only()``; reading a field left out raises NotFetched (no lazy load)."""
        return self.get_queryset().only(*fields)

    def defer(self, *fields: Any) -> QuerySet[_M]:
        """Django's ``defer()``; reading a deferred field raises NotFetched (no lazy load)."""
        return self.get_queryset().defer(*fields)

    def none(self) -> QuerySet[_M]:
        """A QuerySet that matches nothing and runs no query."""
        return self.get_queryset().none()

    # -- terminal: each runs a query (a coroutine in the async package) ---------------

    def get(self, *args: Any, **kwargs: Any) -> _M:
        """The single matching object; ``M.DoesNotExist`` / ``M.MultipleObjectsReturned``."""
        return self.get_queryset().get(*args, **kwargs)

    def first(self) -> _M | None:
        """The first object (by the model's ordering, else by pk), or None."""
        return self.get_queryset().first()

    def last(self) -> _M | None:
        """The last object (by the model's ordering, else by pk), or None."""
        return self.get_queryset().last()

    def earliest(self, *fields: Any) -> _M:
        """The first object by *fields* (or Meta.get_latest_by); ``M.DoesNotExist`` if none."""
        return self.get_queryset().earliest(*fields)

    def latest(self, *fields: Any) -> _M:
        """The last object by *fields* (or Meta.get_latest_by); ``M.DoesNotExist`` if none."""
        return self.get_queryset().latest(*fields)

    def count(self) -> int:
        """``SELECT COUNT(*)``."""
        return self.get_queryset().count()

    def exists(self) -> bool:
        """Whether there is any row (a ``LIMIT 1`` query)."""
        return self.get_queryset().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Django's ``aggregate()``: ``{name: value}``."""
        return self.get_queryset().aggregate(*args, **kwargs)

    def in_bulk(
        self, id_list: Iterable[Any] | None = None, *, field_name: str = "pk"
    ) -> dict[Any, _M]:
        """``{value of field_name: object}`` for *id_list* (or every row)."""
        return self.get_queryset().in_bulk(id_list, field_name=field_name)

    def iterator(self, chunk_size: int | None = None) -> Iterator[_M]:
        """Iterate the objects without caching them on a queryset; fetched in one statement."""
        return self.get_queryset().iterator(chunk_size)

    def create(self, **kwargs: Any) -> _M:
        """INSERT a new object built from *kwargs* and return it."""
        return self.get_queryset().create(**kwargs)  # type: ignore[no-any-return]

    def get_or_create(self, defaults: Any = None, **kwargs: Any) -> tuple[_M, bool]:
        """``(object, created)``: the object matching *kwargs*, created if missing."""
        return self.get_queryset().get_or_create(defaults, **kwargs)  # type: ignore[return-value]

    def update_or_create(self, defaults: Any = None, **kwargs: Any) -> tuple[_M, bool]:
        """``(object, created)``: the object matching *kwargs*, updated or created."""
        return self.get_queryset().update_or_create(defaults, **kwargs)  # type: ignore[return-value]

    def bulk_create(self, objs: Iterable[_M], *args: Any, **kwargs: Any) -> list[_M]:
        """INSERT *objs* in as few statements as the backend allows; returns them."""
        return self.get_queryset().bulk_create(objs, *args, **kwargs)  # type: ignore[return-value]


class VinylManager:
    """Declare on a model: ``vinyl = VinylManager()`` (or ``VinylManager(using="replica")``).

    ``M.vinyl`` is then a :class:`Manager` of ``M``; instances have no ``vinyl``
    attribute (AttributeError, as with Django's managers). Creating one before
    Django is set up (a model module imported before ``vinyl_sync.configure()``)
    raises ConfigurationError saying so.
    """

    def __init__(self, using: str | None = None):
        require_ready("VinylManager()")
        self.using = using
        self.name: str | None = None
        self._bound: dict[type, Manager[Any]] = {}

    def contribute_to_class(self, cls: type[Model], name: str) -> None:
        self.name = name
        setattr(cls, name, self)

    def __get__(self, instance: None, owner: type[_T]) -> Manager[_T]:
        # Typed for class access only: ``obj.vinyl`` is an error for type checkers too.
        if instance is not None:
            raise AttributeError(f"Manager isn't accessible via {owner.__name__} instances")
        manager = self._bound.get(owner)
        if manager is None:
            manager = self._bound.setdefault(owner, Manager(owner, self.using))
        return manager
