# generated from src/vinyl_async/raw.py by codegen — do not edit

"""``M.vinyl.raw(sql, params)``: Django's RawQuerySet, run on vinyl's connection.

The SQL runs once, whole, on vinyl's connection; Django's ``RawModelIterable``
then maps columns to fields (``translations`` included), applies the backend's
converters and builds the instances (vinyl instances, with extra columns as
attributes), exactly as Django does. ``prefetch_related()`` runs natively.
Parameters are adapted as Django adapts them (``ops.adapt_unknown_value``); a
mapping of parameters (``%(name)s``) works on every backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from django.db import connections
from django.db.models.query import RawModelIterable
from django.db.models.query import RawQuerySet as DjangoRawQuerySet
from django.db.models.sql.query import RawQuery as DjangoRawQuery

from .connections import connection_for

__all__ = ["RawQuerySet"]

_NAMED_PARAM = re.compile(r"%%|%\((\w+)\)s")


def positional(sql: str, params: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """``%(name)s`` placeholders and a mapping → ``%s`` placeholders and a tuple.

    vinyl's adapters take positional parameters on every backend. ``%%`` (a
    literal percent sign) is kept. Raises ``KeyError`` for a name missing from
    *params*, as the drivers do.
    """
    values: list[Any] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "%%"
        values.append(params[name])
        return "%s"

    return _NAMED_PARAM.sub(replace, sql), tuple(values)


class RawQuery(DjangoRawQuery):
    """Django's RawQuery; its rows and column names are the ones vinyl fetched.

    Django's would run the SQL on Django's connection when iterated or asked for
    its columns; this one only reads what vinyl fetched.
    """

    def __init__(self, sql: str, using: str, params: Any = ()):
        super().__init__(sql, using, params=params)
        self._rows: list[Any] | None = None
        self._column_names: list[str] | None = None

    def clone(self, using: str) -> RawQuery:
        return RawQuery(self.sql, using, params=self.params)

    def statement(self) -> tuple[str, Any]:
        """The SQL and parameters to send, adapted as Django's ``_execute_query`` adapts them.

        Raises ``RuntimeError`` (Django's message) for parameters that are neither a
        sequence nor a mapping.
        """
        adapter = connections[self.using].ops.adapt_unknown_value
        params_type = self.params_type
        if params_type is tuple:
            return self.sql, tuple(adapter(value) for value in self.params)
        if params_type is dict:
            sql, values = positional(self.sql, self.params)
            return sql, tuple(adapter(value) for value in values)
        if params_type is None:
            return self.sql, None
        raise RuntimeError("Unexpected params type: %s" % params_type)

    def fetched(self, rows: list[Any], column_names: list[str]) -> RawQuery:
        """A copy holding *rows* and *column_names*, for Django's iterable to read."""
        query = self.clone(self.using)
        query._rows = rows
        query._column_names = column_names
        return query

    def _require_fetched(self) -> None:
        if self._rows is None:
            raise TypeError(
                "A vinyl raw query is run by awaiting (or iterating) its RawQuerySet; "
                "its columns and rows are not available before that."
            )

    def get_columns(self) -> list[str]:
        self._require_fetched()
        converter = connections[self.using].introspection.identifier_converter
        return [converter(name) for name in self._column_names]  # type: ignore[union-attr]

    def __iter__(self) -> Iterator[Any]:
        self._require_fetched()
        return iter(self._rows)  # type: ignore[arg-type]

    def _execute_query(self) -> None:
        self._require_fetched()


class RawQuerySet(DjangoRawQuerySet):
    """Django's RawQuerySet with vinyl's I/O: ``qs`` (a list), ``for``.

    The results are cached on the queryset as in Django. ``columns`` is known
    once the queryset is fetched (Django would run the query to learn it).
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not isinstance(self.query, RawQuery):
            query = self.query
            self.query = RawQuery(query.sql, query.using, params=query.params)

    @classmethod
    def _from_django(cls, raw_queryset: DjangoRawQuerySet) -> RawQuerySet:
        """The vinyl copy of Django's *raw_queryset* (unevaluated)."""
        clone = cls(
            raw_queryset.raw_query,
            model=raw_queryset.model,
            params=raw_queryset.params,
            translations=raw_queryset.translations,
            using=raw_queryset._db,
            hints=raw_queryset._hints,
        )
        clone._prefetch_related_lookups = raw_queryset._prefetch_related_lookups[:]
        if hasattr(raw_queryset, "_fetch_mode"):  # Django 6.x
            clone._fetch_mode = raw_queryset._fetch_mode
        return clone

    def using(self, alias: str) -> RawQuerySet:
        """Run on database *alias* (like Django, prefetch lookups are not kept)."""
        clone = self._clone()
        clone._db = alias
        clone._hints = {}
        clone.query = self.query.chain(using=alias)
        clone._prefetch_related_lookups = ()
        return clone

    # -- evaluation ------------------------------------------------------------------

    def _fetch(self) -> list[Any]:
        sql, params = self.query.statement()
        with connection_for(self.db) as conn:
            result = conn.execute(sql, params)
        # From now on the columns are known (Django keeps its cursor on the query too).
        self.query = query = self.query.fetched(
            list(result.rows or ()), [column[0] for column in result.description or ()]
        )
        try:
            return list(RawModelIterable(self))
        finally:
            query._rows = []  # the results hold the data now

    def _fetch_all(self) -> None:  # type: ignore[override]
        if self._result_cache is None:
            self._result_cache = self._fetch()
        if self._prefetch_related_lookups and not self._prefetch_done:
            from .prefetch import prefetch_related_objects

            prefetch_related_objects(self._result_cache, *self._prefetch_related_lookups)
            self._prefetch_done = True

    def _evaluate(self) -> list[Any]:
        self._fetch_all()
        return list(self._result_cache)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        self._fetch_all()
        for item in self._result_cache:  # type: ignore[union-attr]
            yield item

    def iterator(self) -> Iterator[Any]:  # type: ignore[override]
        """Iterate the results without caching them (fetched whole, like all of vinyl)."""
        for item in self._fetch():
            yield item
