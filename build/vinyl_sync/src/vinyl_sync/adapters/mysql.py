# generated from src/vinyl_async/adapters/mysql.py by codegen — do not edit

"""MySQL and MariaDB through PyMySQL (sync twin: PyMySQL), pooled by vinyl's ConnectionPool.

Connection parameters come from Django's own ``get_connection_params()``: utf8mb4,
``CLIENT.FOUND_ROWS`` (update counts are matched rows, as Django expects), Django's
converters (TIME columns as ``datetime.time``) and ``OPTIONS`` (``init_command``,
``ssl``, ...), with the keyword names translated to the driver's. Each new connection
is then set up as Django's ``init_connection_state`` sets up its own: transaction
isolation level (READ COMMITTED unless ``OPTIONS["isolation_level"]`` says otherwise)
and ``SQL_AUTO_IS_NULL = 0`` where the server enables it. Django's MySQL backend sets
no session time zone (it converts datetimes in Python), so neither does vinyl.

The server facts Django's features and compiler read through its own connection
(``mysql_server_data``: version, sql_mode, storage engine, ...) are read once, by
Django's own query, on vinyl's first connection and stored on the adapter and on its
wrapper (``apply_server_data`` gives them to other wrappers of the alias), so
compiling never opens Django's sync connection.

Connections stay in autocommit mode; transactions are started with an explicit BEGIN.
Both drivers raise PyMySQL's exception classes (``pymysql.err``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pymysql
from pymysql.constants import CLIENT, SERVER_STATUS

from ..backends.mysql._mysqldb import install_pymysql_as_mysqldb
from .base import Adapter, Result, socket_has_data

install_pymysql_as_mysqldb()  # before Django's MySQL backend is imported

from django.db import IntegrityError  # noqa: E402
from django.db.backends.mysql.base import CursorWrapper  # noqa: E402

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from ..options import VinylOptions

#: The statement of Django's ``DatabaseWrapper.mysql_server_data`` (same in 5.2 and 6.1).
SERVER_DATA_SQL = """
    SELECT VERSION(),
           @@sql_mode,
           @@default_storage_engine,
           @@sql_auto_is_null,
           @@lower_case_table_names,
           CONVERT_TZ('2001-01-01 01:00:00', 'UTC', 'UTC') IS NOT NULL
"""

_IN_TRANS = SERVER_STATUS.SERVER_STATUS_IN_TRANS


class MySQLAdapter(Adapter):
    vendor = "mysql"
    database_module = pymysql

    def __init__(self, alias: str, wrapper: BaseDatabaseWrapper, options: VinylOptions):
        super().__init__(alias, wrapper, options)
        #: Django's ``mysql_server_data`` for this alias, once a connection has read it.
        self.server_data: dict[str, Any] | None = None

    # -- connections ---------------------------------------------------------------

    def connect_kwargs(self) -> dict[str, Any]:
        """Django's connection parameters, in the driver's keyword names."""
        params = dict(self.wrapper.get_connection_params())  # also sets isolation_level
        # mysqlclient's old spellings (older Djangos, OPTIONS may use them) → PyMySQL's.
        if "passwd" in params:
            params.setdefault("password", params.pop("passwd"))
        if "db" in params:
            params.setdefault("database", params.pop("db"))
        params.setdefault("connect_timeout", self.options.connect_timeout)
        params["autocommit"] = True  # BEGIN is sent explicitly
        # mysqlclient (Django's driver) allows several statements per query (Django's
        # own set-up and many init_commands rely on it); PyMySQL must be asked to.
        params["client_flag"] = params.get("client_flag", 0) | CLIENT.MULTI_STATEMENTS
        return params

    def connect(self) -> Any:
        """A new connection set up like Django's; OperationalError naming the alias if not.

        The whole attempt (TCP, handshake, set-up) is bounded by the connect timeout.
        """
        kwargs = self.connect_kwargs()
        # PyMySQL bounds the TCP connect by connect_timeout but then reads the
        # server's greeting with read_timeout (None: forever): bound that too.
        read_timeout = kwargs.pop("read_timeout", None)
        conn = pymysql.Connection(
            **kwargs, read_timeout=kwargs["connect_timeout"], defer_connect=True
        )
        try:
            conn.connect()
        except pymysql.Error as exc:
            raise self.connect_error(exc) from exc
        conn._read_timeout = read_timeout  # from the next read on (PyMySQL re-reads it)
        try:
            self.configure(conn)
        except BaseException as exc:
            self.close(conn)
            if isinstance(exc, pymysql.Error):
                raise self.connect_error(exc) from exc
            raise
        return conn

    def configure(self, conn: Any) -> None:
        """Per-connection set-up, as Django's ``init_connection_state`` does it."""
        wrapper = self.wrapper
        if self.server_data is None:
            self.read_server_data(conn)
        assignments = []
        if wrapper.features.is_sql_auto_is_null_enabled:
            assignments.append("SET SQL_AUTO_IS_NULL = 0")
        if wrapper.isolation_level:
            assignments.append(
                f"SET SESSION TRANSACTION ISOLATION LEVEL {wrapper.isolation_level.upper()}"
            )
        if assignments:
            self.execute(conn, "; ".join(assignments), None)

    def read_server_data(self, conn: Any) -> None:
        """Supply Django's ``mysql_server_data`` from *conn* (Django would connect for it)."""
        wrapper = self.wrapper
        data = wrapper.__dict__.get("mysql_server_data")  # Django's connection read it
        if data is None:
            rows = self.execute(conn, SERVER_DATA_SQL, None).rows
            assert rows
            row = rows[0]
            data = {
                "version": row[0],
                "sql_mode": row[1],
                "default_storage_engine": row[2],
                "sql_auto_is_null": bool(row[3]),
                "lower_case_table_names": bool(row[4]),
                "has_zoneinfo_database": bool(row[5]),
            }
            data = wrapper.__dict__.setdefault("mysql_server_data", data)
        # Django checks the server version on its first connection; so does vinyl
        # (NotSupportedError if too old). No I/O: derived from the data above.
        wrapper.check_database_version_supported()
        if self.server_data is None:
            self.server_data = data
        self.server_facts.setdefault("mysql_server_data", data)

    def close(self, conn: Any) -> None:
        if conn.open:
            conn.close()

    def in_transaction(self, conn: Any) -> bool:
        return bool(conn.server_status & _IN_TRANS)

    def is_closed(self, conn: Any) -> bool:
        return not conn.open

    def looks_alive(self, conn: Any) -> bool:
        if self.is_closed(conn):
            return False
        return not socket_has_data(conn._sock.fileno())

    # -- statements ----------------------------------------------------------------

    def execute(self, conn: Any, sql: str, params: Sequence[Any] | None) -> Result:
        # params=None: no %-interpolation (vinyl's own statements); Django's compiled SQL
        # always comes with a (possibly empty) sequence, so its ``%%`` becomes ``%``.
        with conn.cursor() as cursor:
            try:
                cursor.execute(sql, params)
            except TypeError as exc:
                if params is None:
                    raise
                # ``sql % params`` failed before anything was sent (a ``%s`` in a column
                # alias, too few parameters): mysqlclient raises ProgrammingError, so
                # Django users get ProgrammingError; vinyl gives the same.
                raise pymysql.ProgrammingError(str(exc)) from exc
            rows = list(cursor.fetchall()) if cursor.description else None
            return Result(rows, cursor.rowcount, cursor.lastrowid, cursor.description)

    def execute_many(self, conn: Any, sql: str, param_list: Sequence[Sequence[Any]]) -> int:
        if not param_list:
            return 0
        with conn.cursor() as cursor:
            cursor.executemany(sql, param_list)
            return cursor.rowcount

    # -- errors --------------------------------------------------------------------

    def unsent(self, exc: BaseException) -> bool:
        # 2006 "server has gone away": the statement could not be written. An
        # InterfaceError: the connection was already closed, nothing was sent.
        if isinstance(exc, pymysql.InterfaceError):
            return True
        return isinstance(exc, pymysql.OperationalError) and bool(exc.args) and exc.args[0] == 2006

    def translate_error(self, exc: BaseException) -> BaseException | None:
        # Django's MySQL CursorWrapper turns some OperationalErrors (NOT NULL, CHECK,
        # unsigned out of range) into IntegrityError; so does vinyl.
        if (
            isinstance(exc, pymysql.OperationalError)
            and exc.args
            and exc.args[0] in CursorWrapper.codes_for_integrityerror
        ):
            wrapped = IntegrityError(*exc.args)
            wrapped.__cause__ = exc
            return wrapped
        return super().translate_error(exc)
