# generated from src/vinyl_async/connections.py by codegen — do not edit

"""Databases, their pools, and checked-out connections.

A :class:`Database` exists per ``DATABASES`` alias. It owns the alias's driver
adapter and one pool per event loop (a pool belongs to the loop that opened it;
pools of loops that have gone away are dropped, never reused). Code above this
module asks for a :class:`Connection` with :func:`connection_for`: inside
``atomic`` that is the task's transaction connection, otherwise a pooled
connection for the duration of one operation.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import connections as django_connections

from ._compat import running_loop, shield
from .adapters.base import Result
from .exceptions import ConfigurationError, UnknownDatabaseAlias
from .options import VinylOptions

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from .adapters.base import Adapter
    from .pool import Pool

__all__ = [
    "Connection",
    "Database",
    "begin_transaction",
    "check_usable",
    "close_pools",
    "connection_for",
    "get_database",
]

StatementObserver = Callable[[str, str, Any], None]
_observers: list[StatementObserver] = []


@contextmanager
def observe_statements(observer: StatementObserver) -> Iterator[None]:
    """Call ``observer(alias, sql, params)`` for every statement sent, while active.

    Also counts statements queued in a batch (when the batch is sent).
    """
    _observers.append(observer)
    try:
        yield
    finally:
        _observers.remove(observer)


def _adapter_class(vendor: str) -> type[Adapter]:
    if vendor == "postgresql":
        from .adapters.postgresql import PostgreSQLAdapter

        return PostgreSQLAdapter
    if vendor == "sqlite":
        from .adapters.sqlite import SQLiteAdapter

        return SQLiteAdapter
    if vendor == "mysql":
        from .adapters.mysql import MySQLAdapter

        return MySQLAdapter
    raise ConfigurationError(f"vinyl has no driver adapter for the {vendor!r} backend.")


class Database:
    """One ``DATABASES`` alias as vinyl sees it: adapter + pools (one per event loop)."""

    def __init__(self, alias: str, wrapper: BaseDatabaseWrapper):
        self.alias = alias
        self.wrapper = wrapper
        self.options = VinylOptions.from_settings(alias, wrapper.settings_dict)
        self.adapter = _adapter_class(wrapper.vendor)(alias, wrapper, self.options)
        self._pools: dict[int, tuple[weakref.ref[Any], Pool]] = {}
        #: a connection has been opened: the adapter's server facts are known
        self.facts_known = False

    def __repr__(self) -> str:
        return f"<Database {self.alias!r} ({self.wrapper.vendor})>"

    @property
    def pool(self) -> Pool:
        """The pool of the running event loop, created on first use."""
        loop = running_loop()
        key = id(loop)
        entry = self._pools.get(key)
        if entry is not None and entry[0]() is loop:
            return entry[1]
        # Drop pools whose loop is gone: their connections belong to a dead loop
        # (whose id the running loop may have been given).
        for stale, (ref, _pool) in list(self._pools.items()):
            if ref() is None:
                self._pools.pop(stale, None)
        # setdefault: threads (vinyl_sync) that get here at once all use one pool.
        # Pools open lazily, so a pool that loses the race has nothing to close.
        entry = self._pools.setdefault(key, (weakref.ref(loop), self.adapter.create_pool()))
        return entry[1]

    def close_pool(self) -> None:
        """Close this loop's pool (idle connections now, busy ones when released)."""
        loop = running_loop()
        entry = self._pools.pop(id(loop), None)
        if entry is not None and entry[0]() is loop:
            entry[1].close()


_databases: dict[str, Database] = {}


def get_database(alias: str) -> Database:
    """The :class:`Database` for *alias*.

    Raises UnknownDatabaseAlias (a ConfigurationError, and Django's
    ConnectionDoesNotExist) if *alias* is not in DATABASES, ConfigurationError if
    its "VINYL" options are invalid.
    """
    database = _databases.get(alias)
    if database is None:
        if alias not in django_connections.settings:
            raise UnknownDatabaseAlias(
                f"The connection {alias!r} doesn't exist (DATABASES has "
                f"{', '.join(map(repr, django_connections.settings))})."
            )
        # vinyl's own wrapper: Django's per-context ones come and go with tasks.
        wrapper = django_connections.create_connection(alias)
        database = _databases.setdefault(alias, Database(alias, wrapper))
    return database


def close_pools() -> None:
    """Close every pool opened by the running event loop (call at shutdown)."""
    for database in list(_databases.values()):
        database.close_pool()


def close_database(alias: str) -> None:
    """Close *alias*'s pool (of the running event loop) and forget the alias.

    Its settings are read again on next use: for aliases added to or changed in
    ``django.db.connections.settings`` at run time (tests, tools).
    """
    database = _databases.pop(alias, None)
    if database is not None:
        database.close_pool()


def forget_databases() -> None:
    """Drop all Database objects (after settings change, e.g. in tests)."""
    _databases.clear()


class Connection:
    """A driver connection checked out for one operation or one atomic block.

    Executes Django-compiled SQL, translates driver errors into Django's, and
    reports statements to observers. Outside ``atomic``, the first statement on
    a freshly checked-out connection is run once more on a new connection if the
    server had closed this one and the statement certainly did not run
    (``Adapter.unsent``). A statement interrupted (task cancelled) part-way marks
    the connection: it is closed instead of pooled unless the driver says it is
    in step with the server again.
    """

    __slots__ = ("database", "adapter", "raw", "alias", "interrupted", "_fresh", "_retryable")

    def __init__(self, database: Database, raw: Any, retryable: bool):
        self.database = database
        self.adapter = database.adapter
        self.alias = database.alias
        self.raw = raw
        #: a statement was cut off part-way (the connection may be mid-protocol)
        self.interrupted = False
        self._fresh = True  # nothing ran on it yet in this checkout
        self._retryable = retryable

    @property
    def vendor(self) -> str:
        return self.adapter.vendor

    @property
    def wrapper(self) -> BaseDatabaseWrapper:
        return self.database.wrapper

    def must_discard(self) -> bool:
        """Whether the connection must be closed rather than given back to the pool."""
        return self.interrupted and not self.adapter.reusable_after_interrupt(self.raw)

    def execute(self, sql: str, params: Sequence[Any] | None = ()) -> Result:
        for observer in _observers:
            observer(self.alias, sql, params)
        return self._run(self.adapter.execute, sql, params)

    def execute_query(self, sql: str, params: Sequence[Any] | None = ()) -> Result:
        """:meth:`execute` for a compiled SELECT (the result may have no ``description``)."""
        for observer in _observers:
            observer(self.alias, sql, params)
        return self._run(self.adapter.execute_query, sql, params)

    def execute_many(self, sql: str, param_list: Sequence[Sequence[Any]]) -> int:
        for observer in _observers:
            observer(self.alias, sql, param_list)
        return self._run(self.adapter.execute_many, sql, param_list)

    def _run(self, method: Callable[..., Any], sql: str, params: Any) -> Any:
        try:
            result = method(self.raw, sql, params)
        except Exception as exc:
            if not (
                self._fresh
                and self._retryable
                and self.adapter.is_closed(self.raw)
                and self.adapter.unsent(exc)
            ):
                raise self._translate(exc) from exc
            # A pooled connection the server closed while it sat idle (restart,
            # pg_terminate_backend, KILL) and the statement never ran: run it on a
            # new connection, once.
            self._replace()
            try:
                result = method(self.raw, sql, params)
            except Exception as retry_exc:
                raise self._translate(retry_exc) from retry_exc
            except BaseException:
                self.interrupted = True
                raise
        except BaseException:
            self.interrupted = True
            raise
        self._fresh = False
        return result

    def _replace(self) -> None:
        pool = self.database.pool
        raw, self.raw = self.raw, None
        shield(pool.release(raw, discard=True))
        self.raw = pool.acquire()

    def _translate(self, exc: BaseException) -> BaseException:
        translated = self.adapter.translate_error(exc)
        return translated if translated is not None else exc

    def begin(self) -> None:
        self._run_tx(self.adapter.begin, self.adapter.begin_sql())

    def commit(self) -> None:
        self._run_tx(self.adapter.commit, "COMMIT")

    def rollback(self) -> None:
        self._run_tx(self.adapter.rollback, "ROLLBACK")

    def _run_tx(self, method: Callable[[Any], Any], name: str) -> None:
        for observer in _observers:
            observer(self.alias, name, None)
        try:
            method(self.raw)
        except Exception as exc:
            raise self._translate(exc) from exc
        except BaseException:
            self.interrupted = True
            raise
        self._fresh = False


@contextmanager
def checkout(alias: str) -> Iterator[Connection]:
    """A pooled connection for one operation outside ``atomic``; always given back.

    Given back even when the task is cancelled (the hand-back finishes first);
    closed instead if a statement on it was interrupted part-way.
    """
    database = get_database(alias)
    pool = database.pool
    raw = pool.acquire()
    conn = Connection(database, raw, retryable=True)
    database.facts_known = True
    try:
        database.adapter.apply_server_facts(django_connections[alias])
        yield conn
    finally:
        if conn.raw is not None:
            shield(pool.release(conn.raw, discard=conn.must_discard()))


def begin_transaction(alias: str) -> Connection:
    """Check a connection out of *alias*'s pool and send BEGIN on it.

    A connection the server closed while idle fails at BEGIN, which did nothing:
    it is replaced once. Any other failure gives the connection back (closed)
    and raises Django's exception.
    """
    database = get_database(alias)
    pool = database.pool
    for attempt in (1, 2):
        raw = pool.acquire()
        conn = Connection(database, raw, retryable=False)
        try:
            conn.begin()
        except Exception:
            dead = database.adapter.is_closed(raw)
            shield(pool.release(raw, discard=True))
            if dead and attempt == 1:
                continue
            raise
        except BaseException:
            shield(pool.release(raw, discard=True))
            raise
        database.facts_known = True
        database.adapter.apply_server_facts(django_connections[alias])
        return conn
    raise AssertionError("unreachable")  # pragma: no cover


def check_usable(alias: str) -> None:
    """Raise what :func:`connection_for` would raise before running anything on *alias*.

    For an operation that turns out to need no statement (a query that matches
    nothing by construction, e.g. ``filter(pk__in=[])``).
    """
    from .transaction import current_transaction

    get_database(alias)
    state = current_transaction(alias)
    if state is not None:
        state.validate_no_broken_transaction()


class connection_for:  # noqa: N801  (used as a function: ``with connection_for(alias)``)
    """The connection an operation on *alias* runs on.

    Inside ``atomic`` (for this alias, in this task): the transaction's connection.
    Otherwise a pooled connection in autocommit mode, so a single statement is its
    own transaction and costs one round trip; given back on exit (as
    :func:`checkout` does it, even when the task is cancelled). A class rather
    than a generator-based context manager: this is on every operation's path.
    """

    __slots__ = ("alias", "_pool", "_conn")

    def __init__(self, alias: str):
        self.alias = alias
        self._pool: Pool | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> Connection:
        from .transaction import current_transaction

        alias = self.alias
        state = current_transaction(alias)
        if state is not None:
            state.validate_no_broken_transaction()
            return state.connection
        database = get_database(alias)
        pool = database.pool
        raw = pool.acquire()
        conn = Connection(database, raw, retryable=True)
        database.facts_known = True
        try:
            database.adapter.apply_server_facts(django_connections[alias])
        except BaseException:
            shield(pool.release(raw, discard=conn.must_discard()))
            raise
        self._pool = pool
        self._conn = conn
        return conn

    def __exit__(self, *exc_info: Any) -> None:
        pool, conn = self._pool, self._conn
        if pool is None or conn is None:
            return
        self._pool = self._conn = None
        if conn.raw is not None:
            shield(pool.release(conn.raw, discard=conn.must_discard()))
