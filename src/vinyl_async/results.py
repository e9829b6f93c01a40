"""Rows → results (model instances, dicts, tuples, flat values).

Django's own iterable classes (``ModelIterable``, ``ValuesIterable``, ...) turn
rows into results; vinyl only changes where the rows come from. Each iterable is
given a stand-in for the queryset whose query hands out the compiler vinyl has
already executed, and whose ``execute_sql`` returns the fetched rows. Converters,
select_related population, annotations and known related objects are Django's.
Related objects built by select_related become vinyl instances as well.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from django.db.models.sql.compiler import SQLCompiler

from .instances import twin_of

if TYPE_CHECKING:
    from django.db.models import QuerySet


class _FetchedQuerySet:
    """What Django's iterable classes read from a queryset, with I/O already done."""

    __slots__ = ("query", "db", "model", "_fields", "_known_related_objects", "_fetch_mode")

    def __init__(self, queryset: QuerySet[Any], query: Any):
        self.query = query
        self.db = queryset.db
        self.model = queryset.model
        self._fields = queryset._fields
        self._known_related_objects = queryset._known_related_objects
        # Django 6.x: the fetch mode its iterables give the instances (None before 6.0).
        self._fetch_mode = getattr(queryset, "_fetch_mode", None)


def _use_twins(klass_info: dict[str, Any] | None) -> None:
    """Make select_related build vinyl instances (same fields, same _meta)."""
    if not klass_info:
        return
    klass_info["model"] = twin_of(klass_info["model"])
    for related in klass_info.get("related_klass_infos", ()):
        _use_twins(related)


def build_results(queryset: QuerySet[Any], compiler: SQLCompiler, rows: list[Any]) -> list[Any]:
    """Results of *queryset* from *rows*, fetched by running *compiler*."""
    if not rows:
        return []
    chunks = [rows]
    compiler.execute_sql = lambda *args, **kwargs: chunks  # type: ignore[method-assign]
    _use_twins(compiler.klass_info)
    query = copy.copy(queryset.query)
    query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
    iterable = queryset._iterable_class(_FetchedQuerySet(queryset, query))  # type: ignore[arg-type]
    return list(iterable)
