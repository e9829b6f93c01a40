"""vinyl instances: the unregistered twin class of a Django model.

``M.vinyl`` returns instances of ``M.vinyl.model``: a subclass of ``M`` built with
``type.__new__(ModelBase, ...)``, which skips ``ModelBase.__new__``. The twin
shares ``M._meta``, is not in the app registry (no migrations), keeps ``M``'s
name, and its instances are ``isinstance(obj, M)``, compare and hash equal to
``M`` instances and pickle as ``M``. vinyl's instance behaviour (explicit
relations, async save/delete) lives on :class:`VinylModel`, placed before ``M``
in the twin's bases.
"""

from __future__ import annotations

import copy
import copyreg
from typing import Any, TypeVar

from django.db.models.base import Model, ModelBase
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.db.models.query_utils import DeferredAttribute

from ._compat import IS_ASYNC
from .exceptions import NotFetched

__all__ = ["VinylModel", "is_twin", "twin_of"]

_M = TypeVar("_M", bound=Model)
_twins: dict[type[Model], type[Model]] = {}


class VinylModel:
    """Behaviour vinyl instances add to their Django model.

    Relations are explicit (``await obj.author``, ``obj["author"]``, related
    managers: see :mod:`vinyl_async.relations`); ``save()``, ``delete()`` and
    ``refresh_from_db()`` are coroutines and send no signals. Django's own
    ``Model.__init__`` still announces each new object (``pre_init`` /
    ``post_init``) with the object's class as sender: for a vinyl instance that is
    the twin, so receivers connected for the model (``sender=M``) never hear vinyl
    instances; a receiver of every sender does, with ``M.vinyl.model`` as sender.
    A plain ``M`` instance is saved and deleted through vinyl with
    ``vinyl_async.persistence.save_instance(obj)`` and
    ``vinyl_async.deletion.delete_instance(obj)``.
    """

    __slots__ = ()

    # ``__getitem__`` reads relations: without this, ``iter(obj)`` and ``x in obj`` would
    # fall back to the sequence protocol and call ``obj[0]`` (a KeyError). Instances are
    # not iterable, as Django's are not.
    __iter__ = None

    def __getitem__(self, name: str) -> Any:
        """The fetched value of relation *name*: no I/O, ``NotFetched`` if absent.

        Forward FK/one-to-one and reverse one-to-one give the object (or None for
        an empty nullable FK); reverse FK and many-to-many give the prefetched list.
        """
        return fetched_relation(self, name)

    async def save(
        self,
        *,
        force_insert: bool | tuple[Any, ...] = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Any = None,
    ) -> None:
        """INSERT or UPDATE this instance, with Django's rules (no signals are sent).

        Models with multi-table parents are saved atomically.
        """
        from .persistence import save_instance

        await save_instance(
            self,
            force_insert=force_insert,
            force_update=force_update,
            using=using,
            update_fields=update_fields,
        )

    async def delete(
        self, using: str | None = None, keep_parents: bool = False
    ) -> tuple[int, dict[str, int]]:
        """DELETE this instance and what cascades from it; Django's ``(count, {label: n})``.

        Every ``on_delete`` rule is applied by vinyl's collector (no signals are
        sent), atomically. Raises Django's ``ProtectedError`` / ``RestrictedError``
        (naming the model and the foreign key) before anything is deleted, and
        ``ValueError`` for an instance without a primary key.
        """
        from .deletion import delete_instance

        return await delete_instance(self, using=using, keep_parents=keep_parents)

    async def refresh_from_db(
        self, using: str | None = None, fields: Any = None, from_queryset: Any = None
    ) -> None:
        """Reload field values (all, or *fields*) from the database.

        Raises ``Model.DoesNotExist`` if the row is gone.
        """
        from .persistence import refresh_instance

        await refresh_instance(self, using=using, fields=fields, from_queryset=from_queryset)

    def _prepare_related_fields_for_save(self, operation_name: str, fields: Any = None) -> None:
        # Django's version reads relations through their descriptors, which query
        # on vinyl instances: vinyl's reads the caches (same checks, same messages).
        from .persistence import prepare_related_fields_for_save

        prepare_related_fields_for_save(self, operation_name, fields)


def _find_relation(opts: Any, name: str) -> Any:
    """The field or reverse relation that ``prefetch_related(name)`` would follow."""
    for field in opts.get_fields():
        if not field.is_relation:
            continue
        if field.auto_created and not field.concrete:  # reverse relation: accessor name
            if field.get_accessor_name() == name:
                return field
        elif field.name == name:
            return field
    raise KeyError(
        f"{opts.object_name} has no relation named {name!r} "
        f"(obj[name] reads fetched relations; read plain fields as attributes)."
    )


def _to_many_cache_name(relation: Any) -> str:
    if not isinstance(relation, ForeignObjectRel):  # forward many-to-many
        return relation.name
    if relation.many_to_many:  # reverse many-to-many
        return relation.field.related_query_name()
    return relation.get_accessor_name()  # reverse foreign key: the accessor name


# How the NotFetched messages tell to fetch a relation explicitly, per package.
_FETCH_ONE = "await obj.{}" if IS_ASYNC else "obj.{}"
_FETCH_ALL = "await obj.{}.all()" if IS_ASYNC else "list(obj.{}.all())"


def fetched_relation(instance: Any, name: str) -> Any:
    """What ``instance[name]`` returns: the relation's cached value, never a query.

    Raises ``NotFetched`` naming the model, the relation and both fixes, or
    ``KeyError`` if *name* is not a relation.
    """
    opts = instance._meta
    relation = _find_relation(opts, name)
    if relation.many_to_many or relation.one_to_many:
        cache = getattr(instance, "_prefetched_objects_cache", {})
        cache_name = _to_many_cache_name(relation)
        if cache_name in cache:
            return list(cache[cache_name])
        raise NotFetched(
            f"{opts.object_name}.{name} was not fetched: add prefetch_related({name!r}) "
            f"to the query, or use '{_FETCH_ALL.format(name)}'."
        )
    if relation.is_cached(instance):
        return relation.get_cached_value(instance)
    if relation.concrete and getattr(instance, relation.attname, None) is None:
        return None  # a null foreign key: there is nothing to fetch
    raise NotFetched(
        f"{opts.object_name}.{name} was not fetched: add select_related({name!r}) or "
        f"prefetch_related({name!r}) to the query, or use '{_FETCH_ONE.format(name)}'."
    )


def _reduce_model_class(cls: type) -> Any:
    """How pickle saves a model class: a twin by its model (``twin_of(M)``), others by name.

    Pickling looks classes up by module and qualified name, which finds ``M``, not its
    twin: without this, pickling a vinyl queryset (it holds the twin) fails.
    """
    model = cls.__dict__.get("_vinyl_twin_of")
    if model is not None:
        return twin_of, (model,)
    return cls.__qualname__  # pickle's default for classes: save by reference


copyreg.pickle(ModelBase, _reduce_model_class)


def is_twin(model: type) -> bool:
    return "_vinyl_twin_of" in model.__dict__


def twin_of(model: type[_M]) -> type[_M]:
    """The vinyl twin of Django model *model* (created once)."""
    if is_twin(model):
        return model
    twin = _twins.get(model)
    if twin is None:
        attrs = {
            "__module__": model.__module__,
            "__qualname__": model.__qualname__,
            "__doc__": model.__doc__,
            "_vinyl_twin_of": model,
        }
        attrs.update(_deferred_field_descriptors(model))
        attrs.update(_relation_descriptors(model))
        twin = type.__new__(ModelBase, model.__name__, (VinylModel, model), attrs)
        twin = _twins.setdefault(model, twin)
    return twin  # type: ignore[return-value]


# -- deferred fields (only/defer): never loaded behind the user's back ---------------

if IS_ASYNC:
    _REFRESH = "await obj.refresh_from_db"
else:
    _REFRESH = "obj.refresh_from_db"


class _NoLazyLoad:
    """Mixed into the twin's copies of Django's deferred-field descriptors.

    Django loads a deferred field on first read (a hidden synchronous query);
    vinyl instances raise ``NotFetched`` instead, naming the model, the field and
    the fix. Loaded values are read exactly as Django reads them (the descriptor
    stays non-data where Django's is, so reading a loaded field costs nothing).
    """

    field: Any

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is not None and self.field.attname not in instance.__dict__:
            # A parent-link primary key can come from the loaded child link.
            value = self._check_parent_chain(instance)  # type: ignore[attr-defined]
            if value is None:
                attname = self.field.attname
                raise NotFetched(
                    f"{instance._meta.object_name}.{attname} was deferred (only()/defer()) "
                    f"and vinyl never loads fields implicitly: use "
                    f'"{_REFRESH}(fields=[{attname!r}])" or include it in the query.'
                )
            instance.__dict__[self.field.attname] = value
        return super().__get__(instance, cls)  # type: ignore[misc]


_no_lazy_load_classes: dict[type, type] = {}


def _deferred_field_descriptors(model: type[Model]) -> dict[str, Any]:
    """The twin's descriptors for *model*'s concrete fields: Django's, without lazy loads."""
    descriptors = {}
    for field in model._meta.concrete_fields:
        descriptor = getattr(model, field.attname, None)
        if not isinstance(descriptor, DeferredAttribute):
            continue
        base = type(descriptor)
        klass = _no_lazy_load_classes.get(base)
        if klass is None:
            klass = type(base.__name__, (_NoLazyLoad, base), {"__module__": __name__})
            klass = _no_lazy_load_classes.setdefault(base, klass)
        twin_descriptor = copy.copy(descriptor)
        twin_descriptor.__class__ = klass
        descriptors[field.attname] = twin_descriptor
    return descriptors


# -- relations: explicit, never lazy (see ``relations``) ------------------------------


def _relation_descriptors(model: type[Model]) -> dict[str, Any]:
    """The twin's relation attributes: vinyl's descriptors and related managers."""
    from .relations import relation_descriptors  # relations imports the query layer

    return relation_descriptors(model)


class _NoDjangoAsyncMethod:
    """Django's a-prefixed instance methods run its sync ORM on a thread: not on vinyl instances."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        raise AttributeError(
            f"vinyl instances have no {self.name}(): call {self.name[1:]}()"
            + (" (a coroutine in vinyl_async)." if IS_ASYNC else ".")
        )


for _name in ("asave", "adelete", "arefresh_from_db"):
    setattr(VinylModel, _name, _NoDjangoAsyncMethod(_name))
