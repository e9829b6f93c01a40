"""The vinyl QuerySet: Django's QuerySet, evaluated on vinyl's connections.

Every chainable method (filter, exclude, annotate, order_by, values, select_related,
union, ...) is Django's own, so query building, validation and error messages are
Django's. What changes is evaluation: awaiting the queryset (or ``async for``)
compiles it with Django's compiler and runs it on vinyl's connection; the
terminal methods (get, count, exists, aggregate, ...) are coroutines. Results are
fetched whole (no chunked fetching) and instances are vinyl instances.
"""

from __future__ import annotations

import operator
from collections.abc import AsyncIterator, Generator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import django
from django.core.exceptions import EmptyResultSet
from django.db import NotSupportedError, connections
from django.db.models import Model
from django.db.models import QuerySet as DjangoQuerySet
from django.db.models.query import (
    MAX_GET_RESULTS,
    FlatValuesListIterable,
    ModelIterable,
    NamedValuesListIterable,
    ValuesIterable,
    ValuesListIterable,
)

from ._compat import IS_ASYNC, async_only
from .connections import check_usable, connection_for, get_database
from .execution import (
    NeedsDatabase,
    compile_offline,
    execute_compiler,
    execute_select,
    run_django,
)
from .instances import twin_of
from .persistence import database_features
from .results import build_results
from .statement_cache import compile_select
from .writes import WriteMethods

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["QuerySet"]

# Django 6.1 made in_bulk() accept values() and values_list() querysets.
_IN_BULK_VALUES = django.VERSION >= (6, 1)

_M = TypeVar("_M", bound=Model)


class QuerySet(WriteMethods, DjangoQuerySet, Generic[_M]):  # type: ignore[misc]
    """A Django QuerySet whose I/O is vinyl's: ``await qs``, ``async for``, ``await qs.get()``."""

    # -- evaluation ------------------------------------------------------------------

    async def _fetch_all(self) -> None:  # type: ignore[override]
        if self._result_cache is None:
            self._result_cache = await self._fetch()
        if self._prefetch_related_lookups and not self._prefetch_done:
            from .prefetch import prefetch_related_objects

            await prefetch_related_objects(self._result_cache, *self._prefetch_related_lookups)
            self._prefetch_done = True

    async def _fetch(self) -> list[Any]:
        alias = self.db
        database = get_database(alias)  # vinyl's error for an unknown alias first
        if database.facts_known and not self.query.select_for_update:
            # Compiled before a connection is taken (not while holding one), through
            # the statement cache: a query of a shape seen before reuses its SQL.
            # Compiling may read server facts (version, ...): known once a
            # connection has been opened, and given to this task's Django wrapper.
            database.adapter.apply_server_facts(connections[alias])
            try:
                compiler, sql, params = compile_select(
                    self.query, alias, compile_offline, database
                )
                if not sql:
                    raise EmptyResultSet
            except NeedsDatabase:
                pass  # compiling reads the database: done on the connection below
            except EmptyResultSet:
                check_usable(alias)
                return []
            else:
                async with connection_for(alias) as conn:
                    rows = await execute_select(conn, compiler, sql, params)
                return build_results(self, compiler, rows)
        async with connection_for(alias) as conn:
            compiler = self.query.get_compiler(using=alias)
            rows = await execute_compiler(conn, compiler)
        return build_results(self, compiler, rows)

    def __await__(self) -> Generator[Any, None, list[_M]]:
        return self._evaluate().__await__()

    async def _evaluate(self) -> list[Any]:
        await self._fetch_all()
        return list(self._result_cache)  # type: ignore[arg-type]

    async def __aiter__(self) -> AsyncIterator[_M]:
        await self._fetch_all()
        for item in self._result_cache:  # type: ignore[union-attr]
            yield item

    @async_only
    def __iter__(self) -> Iterator[_M]:
        self._require_fetched("iterated with a plain 'for'", "async for obj in qs")
        return iter(self._result_cache)  # type: ignore[arg-type]

    @async_only
    def __len__(self) -> int:
        self._require_fetched("measured with len()", "len(await qs)' or 'await qs.count()")
        return len(self._result_cache)  # type: ignore[arg-type]

    @async_only
    def __bool__(self) -> bool:
        self._require_fetched("tested for truth", "await qs.exists()")
        return bool(self._result_cache)

    @async_only
    def _require_fetched(self, what: str, instead: str) -> None:
        if self._result_cache is None:
            raise TypeError(
                f"A vinyl_async QuerySet of {self.model._meta.object_name} cannot be {what} "
                f"before it is fetched: use '{instead}'."
            )

    def __repr__(self) -> str:
        if self._result_cache is None:
            return f"<QuerySet of {self.model._meta.object_name} (not fetched)>"
        return super().__repr__()

    def __getitem__(self, k: Any) -> Any:
        """Slices stay lazy (as in Django); an index or a stepped slice must be awaited."""
        if self._result_cache is not None:
            return self._result_cache[k]
        if isinstance(k, slice) and k.step is None:
            return super().__getitem__(k)
        if not isinstance(k, (int, slice)):
            raise TypeError(
                f"QuerySet indices must be integers or slices, not {type(k).__name__}."
            )
        if (isinstance(k, int) and k < 0) or (
            isinstance(k, slice)
            and ((k.start is not None and k.start < 0) or (k.stop is not None and k.stop < 0))
        ):
            raise ValueError("Negative indexing is not supported.")
        if isinstance(k, slice) and k.step is not None:
            # Django validates the step the same way: evaluate it through the lazy slice.
            return self._fetch_stepped(super().__getitem__(slice(k.start, k.stop)), k.step)
        return self._fetch_index(k)

    async def _fetch_stepped(self, qs: QuerySet[_M], step: int) -> list[_M]:
        await qs._fetch_all()
        return qs._result_cache[::step]

    async def _fetch_index(self, k: int) -> _M:
        qs = self._chain()
        qs.query.set_limits(k, k + 1)
        await qs._fetch_all()
        return qs._result_cache[0]

    # -- combining with | and ^ -------------------------------------------------------

    def _filterable(self) -> QuerySet[_M]:
        # Django turns a sliced operand into ``model._base_manager.filter(pk__in=...)``:
        # a Django queryset of the model, which cannot be combined with the twin's.
        if self.query.can_filter():
            return self
        return type(self)(model=self.model, using=self._db).filter(pk__in=self.values("pk"))

    def __or__(self, other: Any) -> QuerySet[_M]:
        if isinstance(other, QuerySet):
            other = other._filterable()
        return DjangoQuerySet.__or__(self._filterable(), other)  # type: ignore[no-any-return]

    def __xor__(self, other: Any) -> QuerySet[_M]:
        if isinstance(other, QuerySet):
            other = other._filterable()
        return DjangoQuerySet.__xor__(self._filterable(), other)  # type: ignore[no-any-return]

    # -- terminal methods ------------------------------------------------------------

    async def _run_django(self, code: Any) -> Any:
        async with connection_for(self.db) as conn:
            return await run_django(conn, code)

    async def get(self, *args: Any, **kwargs: Any) -> _M:  # type: ignore[override]
        """The single object matching the filters.

        Raises ``Model.DoesNotExist`` / ``Model.MultipleObjectsReturned`` with Django's
        messages (at most 21 rows are fetched to count them, as in Django).
        """
        if self.query.combinator and (args or kwargs):
            raise NotSupportedError(
                f"Calling QuerySet.get(...) with filters after {self.query.combinator}() "
                "is not supported."
            )
        clone = self._chain() if self.query.combinator else self.filter(*args, **kwargs)
        if self.query.can_filter() and not self.query.distinct_fields:
            clone = clone.order_by()
        limit = None
        if (
            not clone.query.select_for_update
            or connections[clone.db].features.supports_select_for_update_with_limit
        ):
            limit = MAX_GET_RESULTS
            clone.query.set_limits(high=limit)
        await clone._fetch_all()
        num = len(clone._result_cache)
        if num == 1:
            return clone._result_cache[0]
        name = self.model._meta.object_name
        if not num:
            raise self.model.DoesNotExist(f"{name} matching query does not exist.")
        shown = num if not limit or num < limit else f"more than {limit - 1}"
        raise self.model.MultipleObjectsReturned(
            f"get() returned more than one {name} -- it returned {shown}!"
        )

    async def count(self) -> int:  # type: ignore[override]
        """``SELECT COUNT(*)`` (or the length of the already fetched results)."""
        if self._result_cache is not None:
            return len(self._result_cache)
        return await self._run_django(lambda: DjangoQuerySet.count(self))

    async def exists(self) -> bool:  # type: ignore[override]
        if self._result_cache is not None:
            return bool(self._result_cache)
        return await self._run_django(lambda: DjangoQuerySet.exists(self))

    async def contains(self, obj: Any) -> bool:  # type: ignore[override]
        """Whether *obj* is in the results (one EXISTS query unless already fetched)."""
        self._not_support_combined_queries("contains")
        if self._fields is not None:
            raise TypeError("Cannot call QuerySet.contains() after .values() or .values_list().")
        try:
            if obj._meta.concrete_model != self.model._meta.concrete_model:
                return False
        except AttributeError:
            raise TypeError("'obj' must be a model instance.") from None
        if not obj._is_pk_set():
            raise ValueError("QuerySet.contains() cannot be used on unsaved objects.")
        if self._result_cache is not None:
            return obj in self._result_cache
        return await self.filter(pk=obj.pk).exists()

    async def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        return await self._run_django(lambda: DjangoQuerySet.aggregate(self, *args, **kwargs))

    async def explain(self, *, format: str | None = None, **options: Any) -> str:  # type: ignore[override]
        return await self._run_django(
            lambda: DjangoQuerySet.explain(self, format=format, **options)
        )

    async def first(self) -> _M | None:  # type: ignore[override]
        if self.ordered:
            queryset = self
        else:
            self._check_ordering_first_last_queryset_aggregation(method="first")
            queryset = self.order_by("pk")
        found = queryset[:1]
        if not isinstance(found, list):  # a list: sliced from the fetched (prefetched) rows
            found = await found._evaluate()
        return found[0] if found else None

    async def last(self) -> _M | None:  # type: ignore[override]
        if self.ordered:
            queryset = self.reverse()
        else:
            self._check_ordering_first_last_queryset_aggregation(method="last")
            queryset = self.order_by("-pk")
        found = await queryset[:1]._evaluate()
        return found[0] if found else None

    def _earliest_query(self, *fields: Any) -> QuerySet[_M]:
        if fields:
            order_by = fields
        else:
            order_by = self.model._meta.get_latest_by
            if order_by and not isinstance(order_by, (tuple, list)):
                order_by = (order_by,)
        if order_by is None:
            raise ValueError(
                "earliest() and latest() require either fields as positional "
                "arguments or 'get_latest_by' in the model's Meta."
            )
        obj = self._chain()
        obj.query.set_limits(high=1)
        obj.query.clear_ordering(force=True)
        obj.query.add_ordering(*order_by)
        return obj

    async def earliest(self, *fields: Any) -> _M:  # type: ignore[override]
        if self.query.is_sliced:
            raise TypeError("Cannot change a query once a slice has been taken.")
        return await self._earliest_query(*fields).get()

    async def latest(self, *fields: Any) -> _M:  # type: ignore[override]
        if self.query.is_sliced:
            raise TypeError("Cannot change a query once a slice has been taken.")
        return await self.reverse()._earliest_query(*fields).get()

    async def in_bulk(self, id_list: Any = None, *, field_name: str = "pk") -> dict[Any, _M]:  # type: ignore[override]
        """``{value of field_name: object}`` for *id_list* (or the whole queryset)."""
        if self.query.is_sliced:
            raise TypeError("Cannot use 'limit' or 'offset' with in_bulk().")
        if not _IN_BULK_VALUES and not issubclass(self._iterable_class, ModelIterable):
            raise TypeError("in_bulk() cannot be used with values() or values_list().")
        opts = self.model._meta
        unique_fields = [
            constraint.fields[0]
            for constraint in opts.total_unique_constraints
            if len(constraint.fields) == 1
        ]
        if (
            field_name != "pk"
            and not opts.get_field(field_name).unique
            and field_name not in unique_fields
            and self.query.distinct_fields != (field_name,)
        ):
            raise ValueError(
                f"in_bulk()'s field_name must be a unique field but {field_name!r} isn't."
            )
        qs, get_key, get_obj = self._in_bulk_shape(field_name)
        if id_list is None:
            objs = await qs._chain()._evaluate()
        else:
            id_list = tuple(id_list)
            if not id_list:
                return {}
            max_params = (await database_features(self.db)).max_query_params or 0
            batch_size = max_params or len(id_list)
            objs = []
            for offset in range(0, len(id_list), batch_size):
                batch = id_list[offset : offset + batch_size]
                objs.extend(await qs.filter(**{f"{field_name}__in": batch})._evaluate())
        return {get_key(obj): get_obj(obj) for obj in objs}

    def _in_bulk_shape(self, field_name: str) -> tuple[Any, Any, Any]:
        """(queryset to run, key of a result, value of a result): Django 6.1's rules, which
        also accept values() / values_list() querysets."""

        def same(obj: Any) -> Any:
            return obj

        if issubclass(self._iterable_class, ModelIterable):
            return self, operator.attrgetter(field_name), same
        query = self.query
        selected = tuple(
            getattr(query, "selected", None)
            or (*query.extra_select, *query.values_select, *query.annotation_select)
        )
        if issubclass(self._iterable_class, ValuesIterable):
            if field_name in query.values_select:
                return self, operator.itemgetter(field_name), same

            def without_key(obj: Any) -> Any:
                del obj[field_name]  # a fresh dict per row; the key was read first
                return obj

            qs = self.values(field_name, *selected)
            return qs, operator.itemgetter(field_name), without_key
        if issubclass(self._iterable_class, NamedValuesListIterable | ValuesListIterable):
            try:
                return self, operator.itemgetter(selected.index(field_name)), same
            except ValueError:  # field_name isn't selected: add it first
                if issubclass(self._iterable_class, NamedValuesListIterable):
                    qs = self.values_list(field_name, *selected, named=True)
                    return qs, operator.itemgetter(0), same
                qs = self.values_list(field_name, *selected)
                return qs, operator.itemgetter(0), operator.itemgetter(slice(1, None))
        if issubclass(self._iterable_class, FlatValuesListIterable):
            if query.values_select == (field_name,):
                return self, same, same
            qs = self.values_list(field_name, *selected)
            return qs, operator.itemgetter(0), operator.itemgetter(1)
        raise TypeError(f"in_bulk() cannot be used with {self._iterable_class.__name__}.")

    def iterator(self, chunk_size: int | None = None) -> AsyncIterator[_M]:  # type: ignore[override]
        """Iterate over the results without caching them on the queryset.

        vinyl has no server-side cursors: the rows are fetched whole, in one
        statement. *chunk_size* keeps Django's meaning for ``prefetch_related()``:
        it is required then (``ValueError`` with Django's message, as Django's
        ``iterator()``), and related objects are prefetched for each batch of
        *chunk_size* results, so the statements are the same as Django's. A
        *chunk_size* below 1 raises ``ValueError``.
        """
        if chunk_size is None:
            if self._prefetch_related_lookups:
                raise ValueError(
                    "chunk_size must be provided when using QuerySet.iterator() after "
                    "prefetch_related()."
                )
        elif chunk_size <= 0:
            raise ValueError("Chunk size must be strictly positive.")
        return self._iterate(chunk_size)

    async def _iterate(self, chunk_size: int | None) -> AsyncIterator[_M]:
        results = await self._chain()._fetch()
        lookups = self._prefetch_related_lookups
        if not lookups or chunk_size is None:
            for item in results:
                yield item
            return
        from .prefetch import prefetch_related_objects

        for start in range(0, len(results), chunk_size):
            batch = results[start : start + chunk_size]
            await prefetch_related_objects(batch, *lookups)
            for item in batch:
                yield item

    def raw(  # type: ignore[override]
        self, raw_query: str, params: Any = (), translations: Any = None, using: str | None = None
    ) -> Any:
        """Django's ``raw()``: a vinyl RawQuerySet (await it, or ``async for``)."""
        from .raw import RawQuerySet

        return RawQuerySet._from_django(
            DjangoQuerySet.raw(
                self, raw_query, params=params, translations=translations, using=using
            )
        )

    # -- conversion ------------------------------------------------------------------

    @classmethod
    def _from_queryset(cls, queryset: DjangoQuerySet[Any]) -> QuerySet[Any]:
        """A copy of *queryset* (Django's or vinyl's) as an unevaluated vinyl queryset.

        The copy is of class *cls*, on the twin of the queryset's model; it keeps
        everything Django's ``_clone()`` keeps (query, database, hints, iterable
        class, prefetch lookups, known related objects).
        """
        clone = cls(
            model=twin_of(queryset.model),
            query=queryset.query.chain(),
            using=queryset._db,
            hints=queryset._hints,
        )
        clone._sticky_filter = queryset._sticky_filter
        clone._for_write = queryset._for_write
        clone._prefetch_related_lookups = queryset._prefetch_related_lookups[:]
        clone._known_related_objects = queryset._known_related_objects
        clone._iterable_class = queryset._iterable_class
        clone._fields = queryset._fields
        if hasattr(queryset, "_fetch_mode"):  # Django 6.x
            clone._fetch_mode = queryset._fetch_mode
        return clone


class _NoDjangoAsyncMethod:
    """Django's a-prefixed methods run the sync ORM on a thread; vinyl has none of them."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        raise AttributeError(
            f"vinyl QuerySets have no {self.name}(): call {self.name[1:]}()"
            + (" (a coroutine in vinyl_async)." if IS_ASYNC else ".")
        )


for _name in dir(DjangoQuerySet):
    if _name.startswith("a") and _name[1:] in dir(DjangoQuerySet) and _name[1:] != "":
        setattr(QuerySet, _name, _NoDjangoAsyncMethod(_name))
