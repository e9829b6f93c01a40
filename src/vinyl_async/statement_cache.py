"""A cache of compiled SELECT statements, keyed by query shape.

Compiling a Django query (``SQLCompiler.as_sql()``) costs more than the database
round trip of a small query. Two queries of the same *shape* (same model, joins,
selected columns, ordering, limits and filter structure) differ only in their
parameter values, so the SQL (and the compiler's column / ``klass_info`` data that
turns rows into results) of the first one serves the second.

How a hit is proven to be the same SQL:

- The *key* holds everything of the ``Query`` except its WHERE tree, frozen into
  hashable values by :func:`_freeze`, which knows only plain data (str, int, bool,
  None, tuples, lists, sets, dicts), model classes and fields (by identity),
  ``Col`` and table/join objects. Any other value anywhere in the query (an
  expression in ``annotate()``, ``order_by()`` or ``values()``, a subquery, ...)
  makes the query bypass the cache. So do ``extra()``, ``select_for_update()``,
  combinators (union, ...), ``explain()``, filtered relations, subqueries, and any
  query attribute this module does not know (a Django version that adds one).
- The WHERE tree enters the key as its structure (connector, negation) with each
  leaf (a ``Lookup``) *compiled on its own*: the key holds the leaf's class and
  SQL text, and the leaf's parameters are the new statement's parameters. So
  whatever SQL depends on values (``__in`` list lengths, ``None``, transforms,
  vendor-specific lookups) is in the key as SQL text. A leaf that compiles to
  nothing (``EmptyResultSet``/``FullResultSet``, e.g. ``__in=[]``), contains an
  aggregate, a window or a subquery bypasses the cache.
- When a shape is first stored, the full compile's parameters must equal the
  leaves' parameters in order; otherwise (parameters from anywhere but WHERE) the
  shape is remembered as not cacheable.
- The key also holds the alias, its vendor, the compiler class, the Django
  version, the database wrapper's class and the alias's ``Database`` (whose
  server facts, such as the server version, Django's compiler reads).

A hit therefore costs building the queryset, the key, and compiling the WHERE leaves
(the parameters), not the whole statement. ``tests/async_/test_statement_cache.py``
compares thousands of random query shapes with a fresh compile.
"""

from __future__ import annotations

import copy
from typing import Any

import django
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models import Field, Model
from django.db.models.expressions import Col
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.db.models.lookups import Lookup
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.datastructures import BaseTable, Join
from django.db.models.sql.query import Query
from django.db.models.sql.where import AND, OR, WhereNode

__all__ = ["clear", "compile_select", "enabled", "info", "set_enabled"]

#: Entries kept at most (query shapes); the oldest half is dropped when full.
MAX_ENTRIES = 2000

_enabled = True
_cache: dict[Any, _Entry | None] = {}
_stats = {"hits": 0, "misses": 0, "bypassed": 0, "uncacheable": 0}


def enabled() -> bool:
    return _enabled


def set_enabled(value: bool) -> None:
    """Turn the cache on or off (process-wide); turning it off also empties it."""
    global _enabled
    _enabled = bool(value)
    if not _enabled:
        clear()


def clear() -> None:
    _cache.clear()
    _IDENTITY_CACHE.clear()
    for name in _stats:
        _stats[name] = 0


def info() -> dict[str, int]:
    """Counters (hits, misses, bypassed, uncacheable) and the number of entries."""
    return {**_stats, "entries": len(_cache)}


class _Bypass(Exception):
    """The query (or part of it) is not provably cacheable."""


class _Identity:
    """A key part equal only to itself: a model class, a field (held alive)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any):
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Identity) and other.obj is self.obj


_PLAIN = (str, int, float, bool, type(None), bytes)
_IDENTITY_CACHE: dict[int, _Identity] = {}


def _identity(obj: Any) -> _Identity:
    found = _IDENTITY_CACHE.get(id(obj))
    if found is None or found.obj is not obj:
        found = _IDENTITY_CACHE[id(obj)] = _Identity(obj)
    return found


def _freeze(value: Any) -> Any:
    """*value* as a hashable key part, complete for what it is; _Bypass if unknown."""
    kind = type(value)
    if kind in _PLAIN:
        # The type too: 1, 1.0 and True are equal, but compile differently.
        return (kind, value)
    if kind is tuple or kind is list:
        return (kind, tuple([_freeze(item) for item in value]))
    if kind is dict:
        return (kind, tuple([(_freeze(k), _freeze(v)) for k, v in value.items()]))
    if kind is set or kind is frozenset:
        return (kind, frozenset([_freeze(item) for item in value]))
    if kind is Col:
        return (Col, value.alias, _identity(value.target), _identity(value.output_field))
    if kind is BaseTable:
        return (BaseTable, _freeze(value.table_name), _freeze(value.table_alias))
    if kind is Join:
        if value.filtered_relation is not None:
            raise _Bypass("filtered relation")
        return (Join, _freeze_attrs(value, exclude=("filtered_relation",)))
    if isinstance(value, (Field, ForeignObjectRel)) or (
        isinstance(value, type) and issubclass(value, Model)
    ):
        return _identity(value)
    raise _Bypass(kind.__name__)


def _freeze_attrs(obj: Any, exclude: tuple[str, ...] = ()) -> Any:
    return tuple([(name, _freeze(v)) for name, v in vars(obj).items() if name not in exclude])


#: Query attributes that are derived caches (not state) or handled apart (where).
_SKIPPED = frozenset({"where", "_annotation_select_cache", "_extra_select_cache"})
#: Query attributes whose non-empty / true value always bypasses the cache.
_MUST_BE_EMPTY = frozenset(
    {
        "annotations",
        "extra",
        "extra_tables",
        "extra_order_by",
        "_filtered_relations",
        "combinator",
        "combined_queries",
        "subquery",
        "select_for_update",
        "explain_info",
        "context",
        "contains_subquery",
    }
)


def _query_key(query: Query) -> tuple[Any, ...]:
    parts: list[Any] = []
    append = parts.append
    for name, value in vars(query).items():
        if name in _SKIPPED:
            continue
        if name in _MUST_BE_EMPTY:
            if value:
                raise _Bypass(name)
            continue
        kind = type(value)
        append(name)
        if kind in _PLAIN:  # inlined _freeze() of the common case
            append(kind)
            append(value)
        else:
            append(_freeze(value))
    return tuple(parts)


def _where_key(node: Any, compiler: SQLCompiler, params: list[Any]) -> Any:
    """The WHERE tree's structure with each leaf's SQL; appends the leaves' params."""
    if type(node) is WhereNode:
        if node.connector not in (AND, OR):
            raise _Bypass("XOR")  # emulated on some backends by repeating the children
        return (
            node.connector,
            node.negated,
            tuple([_where_key(child, compiler, params) for child in node.children]),
        )
    if not isinstance(node, Lookup):
        raise _Bypass(type(node).__name__)
    if node.contains_aggregate or node.contains_over_clause:
        raise _Bypass("aggregate or window in WHERE")
    rhs = node.rhs
    if isinstance(rhs, Query) or hasattr(rhs, "query") or getattr(rhs, "contains_subquery", False):
        raise _Bypass("subquery")
    try:
        sql, leaf_params = compiler.compile(node)
    except (EmptyResultSet, FullResultSet):
        raise _Bypass("leaf without SQL") from None
    params.extend(leaf_params)
    return (type(node), sql)


class _Entry:
    __slots__ = ("sql", "compiler")

    def __init__(self, sql: str, compiler: SQLCompiler):
        self.sql = sql
        self.compiler = compiler


def _key(query: Query, alias: str, scope: Any, compiler: SQLCompiler, params: list[Any]) -> Any:
    connection = compiler.connection
    return (
        alias,
        _identity(scope),
        connection.vendor,
        type(connection),
        type(compiler),
        django.VERSION,
        compiler.elide_empty,
        _query_key(query),
        _where_key(query.where, compiler, params),
    )


def compile_select(
    query: Query, alias: str, compile_sql: Any, scope: Any = None
) -> tuple[SQLCompiler, str, list[Any] | tuple[Any, ...]]:
    """A compiler of *query* that has been compiled, its SQL and parameters.

    *scope* is part of the key (by identity): vinyl passes the alias's
    ``Database``, whose server facts (server version, ...) Django's compiler
    reads, so a reconfigured alias never reuses statements of the old one.

    *compile_sql(compiler)* does a full compile (``as_sql()``) when needed; it may
    raise (``EmptyResultSet`` ...), as ``as_sql()`` does. On a hit the returned
    compiler is a copy of the stored one, bound to *query* and the current
    Django connection wrapper: ready for :func:`vinyl_async.results.build_results`.
    """
    compiler = query.get_compiler(using=alias)
    if not _enabled:
        sql, params = compile_sql(compiler)
        return compiler, sql, params
    leaf_params: list[Any] = []
    try:
        key = _key(query, alias, scope, compiler, leaf_params)
        hash(key)
    except Exception:
        # _Bypass, or an error compiling a leaf: the full compile below raises
        # Django's error, in Django's order. The leaf compile left nothing behind
        # (a fresh compiler is used).
        compiler = query.get_compiler(using=alias)
        _stats["bypassed"] += 1
        sql, params = compile_sql(compiler)
        return compiler, sql, params
    entry = _cache.get(key, _Bypass)
    if entry is not None and entry is not _Bypass:
        _stats["hits"] += 1
        stored = entry.compiler
        hit = object.__new__(type(stored))
        hit.__dict__.update(stored.__dict__)
        hit.query = query
        hit.connection = compiler.connection
        return hit, entry.sql, tuple(leaf_params)
    # A fresh compiler: the leaves were compiled on this one (its quote cache...).
    compiler = query.get_compiler(using=alias)
    if entry is None:
        _stats["uncacheable"] += 1
        sql, params = compile_sql(compiler)
        return compiler, sql, params
    _stats["misses"] += 1
    sql, params = compile_sql(compiler)
    if len(_cache) >= MAX_ENTRIES:
        for old in list(_cache)[: MAX_ENTRIES // 2]:
            _cache.pop(old, None)
        _IDENTITY_CACHE.clear()
    if sql and list(params) == leaf_params and _same_types(params, leaf_params):
        stored = copy.copy(compiler)
        # Set on each hit; not kept alive by the cache meanwhile.
        stored.query = stored.connection = None  # type: ignore[assignment]
        _cache[key] = _Entry(sql, stored)
    else:
        _cache[key] = None  # parameters from outside WHERE: never cached
    return compiler, sql, params


def _same_types(a: Any, b: list[Any]) -> bool:
    return all(type(x) is type(y) for x, y in zip(a, b, strict=True))
