# generated from src/vinyl_async/adapters/postgresql.py by codegen — do not edit

"""PostgreSQL through psycopg 3 (Connection + psycopg_pool.ConnectionPool).

Connection parameters come from Django's own ``get_connection_params()``: the same
adapters map (jsonb/inet/cidr loaders, a time-zone aware timestamptz loader for the
connection's time zone, or a naive one without USE_TZ), ``prepare_threshold`` (None
by default, for PgBouncer), client encoding and ``OPTIONS`` (``application_name``,
``sslmode``, ``options``, ...). The cursor class is the async counterpart of
Django's: client-side binding by default (Django's ``%s`` SQL runs unchanged),
server-side binding with ``OPTIONS["server_side_binding"]``. Each new connection
gets Django's ``_configure_connection``: time zone and role. The isolation level
of ``OPTIONS["isolation_level"]`` applies to transactions, as psycopg applies it for
Django: vinyl's ``BEGIN`` names it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import psycopg
import psycopg_pool
from django.core.exceptions import ImproperlyConfigured
from psycopg import sql as pgsql
from psycopg.pq import TransactionStatus

from .._compat import Lock
from ..pool import PoolClosed, pool_timeout_error
from .base import Adapter, BatchFailure, Result, socket_has_data

_ISOLATION_SQL = {
    psycopg.IsolationLevel.READ_UNCOMMITTED: "READ UNCOMMITTED",
    psycopg.IsolationLevel.READ_COMMITTED: "READ COMMITTED",
    psycopg.IsolationLevel.REPEATABLE_READ: "REPEATABLE READ",
    psycopg.IsolationLevel.SERIALIZABLE: "SERIALIZABLE",
}

#: SQLSTATEs of a session ended by the server (admin/crash shutdown, cannot connect now).
_SESSION_ENDED = frozenset({"57P01", "57P02", "57P03"})

#: Transaction states after which a connection is in sync with the server again.
_SETTLED = (TransactionStatus.IDLE, TransactionStatus.INTRANS, TransactionStatus.INERROR)


class PostgreSQLAdapter(Adapter):
    vendor = "postgresql"
    database_module = psycopg

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._begin_sql = "BEGIN"
        level = self.wrapper.settings_dict["OPTIONS"].get("isolation_level")
        if level is not None:
            try:
                level_sql = _ISOLATION_SQL[psycopg.IsolationLevel(level)]
            except ValueError:
                # Django's message (it raises it when its own connection opens).
                raise ImproperlyConfigured(
                    f"Invalid transaction isolation level {level} "
                    f"specified. Use one of the psycopg.IsolationLevel values."
                ) from None
            self._begin_sql = f"BEGIN ISOLATION LEVEL {level_sql}"
        self._version_checked = False

    def connect_kwargs(self) -> dict[str, Any]:
        params = self.wrapper.get_connection_params()
        django_cursor = params.pop("cursor_factory", None)
        if django_cursor is not None and not issubclass(django_cursor, psycopg.ClientCursor):
            params["cursor_factory"] = psycopg.Cursor  # server-side binding
        else:
            params["cursor_factory"] = psycopg.ClientCursor
        # libpq's rule: whole seconds, at least 2.
        params.setdefault("connect_timeout", max(2, math.ceil(self.options.connect_timeout)))
        params["autocommit"] = True
        return params

    def configure(self, conn: psycopg.Connection[Any]) -> None:
        """Per-connection set-up, as Django's ``_configure_connection`` does it."""
        wrapper = self.wrapper
        if not self._version_checked:
            # Compiling some queries reads the server version; supply it from vinyl's
            # connection so Django never opens its own. Django checks the version
            # on its first connection (NotSupportedError if too old); so does vinyl.
            self.server_facts.setdefault("pg_version", conn.info.server_version)
            self.apply_server_facts(wrapper)
            wrapper.check_database_version_supported()
            self._version_checked = True
        statements: list[pgsql.Composable] = []
        tz_name = wrapper.timezone_name
        if tz_name and conn.info.parameter_status("TimeZone") != tz_name:
            statements.append(pgsql.SQL("SET TIME ZONE {}").format(pgsql.Literal(tz_name)))
        role = wrapper.settings_dict["OPTIONS"].get("assume_role")
        if role:
            statements.append(pgsql.SQL("SET ROLE {}").format(pgsql.Literal(role)))
        if statements:
            conn.execute(pgsql.SQL("; ").join(statements))

    def connect(self) -> Any:
        """A new configured connection; OperationalError naming the alias if that fails."""
        try:
            conn = psycopg.Connection.connect(**self.connect_kwargs())
        except psycopg.Error as exc:
            raise self.connect_error(exc) from exc
        try:
            self.configure(conn)
        except BaseException as exc:
            conn.close()
            if isinstance(exc, psycopg.Error):
                raise self.connect_error(exc) from exc
            raise
        return conn

    def create_pool(self) -> PsycopgPool:
        return PsycopgPool(self)

    def close(self, conn: Any) -> None:
        conn.close()

    def in_transaction(self, conn: Any) -> bool:
        return conn.info.transaction_status != TransactionStatus.IDLE

    def is_closed(self, conn: Any) -> bool:
        return conn.closed or conn.broken

    def looks_alive(self, conn: Any) -> bool:
        if conn.closed or conn.broken:
            return False
        if conn.info.transaction_status != TransactionStatus.IDLE:
            return False
        return not socket_has_data(conn.fileno())

    def reusable_after_interrupt(self, conn: Any) -> bool:
        # psycopg answers a cancelled statement by cancelling it on the server and
        # reading the outcome, so the connection is in step again (a rollback follows).
        return not (conn.closed or conn.broken) and conn.info.transaction_status in _SETTLED

    def unsent(self, exc: BaseException) -> bool:
        # The server ended the session (shutdown, restart, pg_terminate_backend) before
        # the statement could commit; or psycopg refused to send on a closed connection.
        if getattr(exc, "sqlstate", None) in _SESSION_ENDED:
            return True
        return isinstance(exc, psycopg.OperationalError) and str(exc) == "the connection is closed"

    def begin_sql(self) -> str:
        return self._begin_sql

    def execute(self, conn: Any, sql: str, params: Sequence[Any] | None) -> Result:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            rows = (
                cursor.fetchall() if cursor.pgresult is not None and cursor.description else None
            )
            return Result(rows, cursor.rowcount, None, cursor.description)

    def execute_query(self, conn: Any, sql: str, params: Sequence[Any] | None) -> Result:
        # psycopg builds its ``description`` (Column objects) anew on each access:
        # a SELECT whose rows Django's compiler interprets does not need it.
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            result = cursor.pgresult
            rows = cursor.fetchall() if result is not None and result.nfields else None
            return Result(rows, cursor.rowcount)

    def execute_many(self, conn: Any, sql: str, param_list: Sequence[Sequence[Any]]) -> int:
        with conn.cursor() as cursor:
            cursor.executemany(sql, param_list)
            return cursor.rowcount

    def execute_batch(
        self,
        conn: Any,
        statements: Sequence[tuple[str, Any, bool]],
        *,
        begin: bool = False,
        commit: bool = False,
    ) -> None:
        """Pipeline mode: BEGIN, the statements and COMMIT in one round trip (one sync).

        After an error the server skips the rest of the pipeline; the failed
        statement is the first one whose result did not arrive.
        """
        cursors = []
        error = None
        try:
            with conn.pipeline():
                try:
                    if begin:
                        conn.execute("BEGIN")
                    for sql, params, many in statements:
                        cursor = conn.cursor()
                        cursors.append(cursor)
                        if many:
                            cursor.executemany(sql, params)
                        else:
                            cursor.execute(sql, params)
                    if commit:
                        conn.execute("COMMIT")
                except psycopg.Error as exc:
                    # A result that arrived early failed: stop sending; leaving the
                    # block syncs and collects the rest (aborted by the server).
                    error = exc
        except psycopg.Error as exc:
            error = error or exc
        try:
            if error is not None:
                # The failed statement: the first whose result did not arrive.
                failed = next(
                    (i for i, cursor in enumerate(cursors) if cursor.pgresult is None), None
                )
                raise BatchFailure(failed, error) from error
        finally:
            for cursor in cursors:
                cursor.close()


class PsycopgPool:
    """psycopg_pool's pool behind vinyl's pool interface, naming the alias in errors.

    psycopg_pool opens, replaces and recycles connections (``max_lifetime``,
    ``max_idle``, reconnection with backoff after a server restart) and rolls back
    a connection returned inside a transaction. vinyl adds the checks its own pool
    makes: connections the server closed while idle are replaced before use, and
    connection failures surface with the server's reason instead of a bare timeout.
    """

    def __init__(self, adapter: PostgreSQLAdapter):
        self.adapter = adapter
        options = adapter.options.pool
        self.options = options
        self._pool = psycopg_pool.ConnectionPool(
            kwargs=adapter.connect_kwargs(),
            min_size=options.min_size,
            max_size=options.max_size,
            timeout=options.timeout,
            max_lifetime=options.max_lifetime,
            max_idle=options.max_idle,
            configure=adapter.configure,
            open=False,
            name=adapter.alias,
        )
        self._opened = False
        self._opening = Lock()

    def get_stats(self) -> dict[str, int]:
        return self._pool.get_stats()

    def _open(self) -> None:
        # One task opens the pool; the others wait for it.
        with self._opening:
            if self._opened:
                return
            # Connect once first: a wrong password, database name or port fails here
            # at once with the server's reason (the pool would only log it and retry
            # until its timeout). Then the pool fills itself in the background.
            conn = self.adapter.connect()
            self.adapter.close(conn)
            self._pool.open(wait=False)
            self._opened = True

    def acquire(self, timeout: float | None = None) -> Any:
        """A connection of the pool; PoolTimeout (alias, size) or OperationalError (why not)."""
        if not self._opened:
            self._open()
        if timeout is None:
            timeout = self.options.timeout
        deadline = time.monotonic() + timeout
        while True:
            # psycopg_pool refuses a timeout <= 0 even when a connection is ready.
            remaining = max(deadline - time.monotonic(), 0.001)
            try:
                conn = self._pool.getconn(remaining)
            except psycopg_pool.PoolTimeout as exc:
                raise self._timeout_error(timeout) from exc
            except psycopg_pool.PoolClosed as exc:
                raise PoolClosed(
                    f"the connection pool of alias {self.adapter.alias!r} is closed"
                ) from exc
            if self.adapter.looks_alive(conn):
                return conn
            # Closed by the server while idle: the pool replaces it in the background.
            try:
                conn.close()
            finally:
                self._pool.putconn(conn)

    def _timeout_error(self, timeout: float) -> Exception:
        """Why no connection came: the server refusing them, or all of them in use."""
        try:
            conn = self.adapter.connect()
        except Exception as exc:  # OperationalError naming the alias and the reason
            return exc
        self.adapter.close(conn)
        return pool_timeout_error(self.adapter.alias, self.options.max_size, timeout)

    def release(self, conn: Any, discard: bool = False) -> None:
        """Give *conn* back (rolled back, or closed if *discard*); never keeps its slot."""
        try:
            if (
                not discard
                and not self.adapter.is_closed(conn)
                and self.adapter.in_transaction(conn)
            ):
                try:
                    conn.rollback()
                except psycopg.Error:
                    discard = True
            if discard and not conn.closed:
                conn.close()
        finally:
            # A closed connection is replaced by the pool in the background.
            self._pool.putconn(conn)

    def close(self) -> None:
        self._pool.close()
