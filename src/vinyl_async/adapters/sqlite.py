"""SQLite through aiosqlite (sync twin: the standard library's sqlite3).

Connections are created by Django's own ``get_new_connection`` (run on aiosqlite's
worker thread), so they get exactly Django's set-up: its SQL functions, PRAGMAs,
type converters and init commands. vinyl then keeps them in autocommit mode and
starts transactions explicitly, as Django's SQLite backend does inside ``atomic``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

from django.db.backends.sqlite3.base import SQLiteCursorWrapper

from .._compat import IS_ASYNC, shield, sleep
from .base import Adapter, Result

if IS_ASYNC:
    import aiosqlite


class _KnownLimit:
    """Mixin for a SQLite features class whose variable limit vinyl has read."""

    vinyl_max_query_params: int

    @property
    def max_query_params(self) -> int:
        return self.vinyl_max_query_params


@cache
def _known_limit_class(features_class: type) -> type:
    return type(features_class.__name__, (_KnownLimit, features_class), {})


@lru_cache(maxsize=4096)
def convert_query(sql: str) -> str:
    """Django's ``%s`` placeholders → sqlite's ``?`` (Django's own rewrite)."""
    return SQLiteCursorWrapper.convert_query(None, sql)  # type: ignore[arg-type]


def _execute(conn: sqlite3.Connection, sql: str, params: Sequence[Any] | None) -> Result:
    """Run one statement and fetch its rows (on aiosqlite's thread in vinyl_async)."""
    if params is None:
        cursor = conn.execute(sql)
    else:
        cursor = conn.execute(convert_query(sql), params)
    try:
        rows = cursor.fetchall() if cursor.description is not None else None
        return Result(rows, cursor.rowcount, cursor.lastrowid, cursor.description)
    finally:
        cursor.close()


def _execute_many(conn: sqlite3.Connection, sql: str, param_list: Sequence[Sequence[Any]]) -> int:
    cursor = conn.executemany(convert_query(sql), param_list)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


class SQLiteAdapter(Adapter):
    vendor = "sqlite"
    database_module = sqlite3

    async def connect(self) -> Any:
        wrapper = self.wrapper
        # Django's parameters as they are: OPTIONS["timeout"] (how long a writer waits
        # for the database lock) defaults to sqlite3's 5 seconds, as for Django.
        params = wrapper.get_connection_params()

        def connector() -> sqlite3.Connection:
            conn = wrapper.get_new_connection(params)
            conn.isolation_level = None  # autocommit; BEGIN is sent explicitly
            # Django >= 6.0 asks the connection for its variable limit (bulk batch
            # sizes); read it from vinyl's connection so Django never opens its own.
            if hasattr(conn, "getlimit"):
                limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
                self.server_facts.setdefault("max_query_params", limit)
            return conn

        if IS_ASYNC:
            conn = aiosqlite.Connection(connector, 64)
            # A forgotten close_pools() must not keep the process from exiting.
            conn._thread.daemon = True
            try:
                return await conn
            except sqlite3.Error as exc:
                # aiosqlite stops its thread after a failed connect; let it finish while
                # this event loop still runs (it reports to the loop on its way out).
                for _ in range(1000):
                    if not conn._thread.is_alive():
                        break
                    await sleep(0.001)
                raise self.connect_error(exc) from exc
        else:
            try:
                return connector()
            except sqlite3.Error as exc:
                raise self.connect_error(exc) from exc

    def apply_server_facts(self, wrapper: Any) -> None:
        super().apply_server_facts(wrapper)
        limit = self.server_facts.get("max_query_params")
        features = wrapper.features
        if limit is not None and not isinstance(features, _KnownLimit):
            # Django's SQLiteFeatures.max_query_params is a property that connects; a
            # subclass of the wrapper's own features class answers from the fact instead.
            features.__class__ = _known_limit_class(type(features))
            features.vinyl_max_query_params = limit

    async def close(self, conn: Any) -> None:
        await conn.close()

    def in_transaction(self, conn: Any) -> bool:
        return conn.in_transaction

    def is_closed(self, conn: Any) -> bool:
        return False

    def reusable_after_interrupt(self, conn: Any) -> bool:
        # Statements run to their end on the driver's thread, and vinyl waits for that
        # before the cancellation goes on (see execute()): the connection is in step.
        return True

    async def execute(self, conn: Any, sql: str, params: Sequence[Any] | None) -> Result:
        if IS_ASYNC:
            # One trip to aiosqlite's thread for the whole statement (execute, fetch,
            # close). A statement handed to that thread runs to its end even if the
            # task is cancelled, so the task waits for it (shield) instead of leaving
            # it running behind a connection that is given back or closed.
            return await shield(conn._execute(_execute, conn._conn, sql, params))
        else:
            return _execute(conn, sql, params)

    async def execute_many(self, conn: Any, sql: str, param_list: Sequence[Sequence[Any]]) -> int:
        if IS_ASYNC:
            return await shield(conn._execute(_execute_many, conn._conn, sql, param_list))
        else:
            return _execute_many(conn, sql, param_list)

    def begin_sql(self) -> str:
        # OPTIONS["transaction_mode"] (DEFERRED / IMMEDIATE / EXCLUSIVE), as Django sends it.
        mode = getattr(self.wrapper, "transaction_mode", None)
        return f"BEGIN {mode}" if mode else "BEGIN"
