"""MySQL and MariaDB through aiomysql (sync twin: PyMySQL), pooled by vinyl's ConnectionPool.

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

from .._compat import IS_ASYNC, async_only
from ..backends.mysql._mysqldb import install_pymysql_as_mysqldb
from ..exceptions import ConfigurationError
from .base import Adapter, Result, socket_has_data

install_pymysql_as_mysqldb()  # before Django's MySQL backend is imported

from django.db import IntegrityError  # noqa: E402
from django.db.backends.mysql.base import CursorWrapper  # noqa: E402

if IS_ASYNC:
    import asyncio
    import ssl

    import aiomysql

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

if IS_ASYNC:
    #: aiomysql.connect()'s keyword arguments (after translation from PyMySQL's names).
    _DRIVER_KWARGS = frozenset(
        {
            "host", "user", "password", "db", "port", "unix_socket", "charset",
            "sql_mode", "read_default_file", "conv", "use_unicode", "client_flag",
            "cursorclass", "init_command", "connect_timeout", "read_default_group",
            "autocommit", "echo", "local_infile", "ssl", "auth_plugin", "program_name",
            "server_public_key",
        }
    )  # fmt: skip

    class _Cursor(aiomysql.Cursor):
        """aiomysql's cursor without its SHOW WARNINGS round trip after a statement.

        aiomysql asks the server for the warnings of every statement that had some and
        re-emits them as Python warnings; PyMySQL and mysqlclient (so Django) do not.
        """

        async def _show_warnings(self, conn: Any) -> None:
            return None

    class _Connection(aiomysql.Connection):
        """aiomysql's connection, escaping bytes as PyMySQL (the sync twin) does.

        aiomysql 0.3 escapes bytes with a PyMySQL helper that PyMySQL >= 1.1 no
        longer provides (a BinaryField parameter would raise TypeError).
        """

        def escape(self, obj: Any) -> str:
            if isinstance(obj, (bytes, bytearray)):
                return f"X'{obj.hex()}'"
            return super().escape(obj)

    #: PyMySQL's individual TLS keywords, folded into one ``ssl`` context for aiomysql.
    _SSL_KWARGS = (
        "ssl_ca", "ssl_cert", "ssl_key", "ssl_key_password", "ssl_verify_cert",
        "ssl_verify_identity", "ssl_disabled",
    )  # fmt: skip


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
        if IS_ASYNC:
            params.setdefault("cursorclass", _Cursor)
            if "database" in params:
                params["db"] = params.pop("database")
            tls = {key: params.pop(key) for key in _SSL_KWARGS if key in params}
            if tls.get("ssl_disabled"):
                params.pop("ssl", None)
            elif params.get("ssl") or any(tls.values()):
                params["ssl"] = _ssl_context(params.get("ssl"), tls)
            unsupported = sorted(set(params) - _DRIVER_KWARGS)
            if unsupported:
                raise ConfigurationError(
                    f"DATABASES[{self.alias!r}]['OPTIONS']: {unsupported} not supported by "
                    f"aiomysql, vinyl_async's MySQL driver (it accepts {sorted(_DRIVER_KWARGS)})."
                )
        return params

    async def connect(self) -> Any:
        """A new connection set up like Django's; OperationalError naming the alias if not.

        The whole attempt (TCP, handshake, set-up) is bounded by the connect timeout.
        """
        kwargs = self.connect_kwargs()
        if IS_ASYNC:
            # aiomysql sends sql_mode unquoted (a list of modes breaks it): vinyl sends
            # both session settings itself, in the driver's order, after connecting.
            sql_mode = kwargs.pop("sql_mode", None)
            init_command = kwargs.pop("init_command", None)
            session_sql: list[tuple[str, Any]] = []
            if sql_mode is not None:
                session_sql.append(("SET sql_mode = %s", (sql_mode,)))
            if init_command is not None:
                session_sql.append((init_command, None))
            timeout = float(kwargs["connect_timeout"])
            conn = _Connection(**kwargs)
            try:
                # aiomysql bounds only the TCP connect by connect_timeout; a server that
                # accepts but never answers would hang the handshake.
                await asyncio.wait_for(self._connect_and_configure(conn, session_sql), timeout)
            except BaseException as exc:
                conn.close()
                if isinstance(exc, TimeoutError):
                    raise self.connect_error(
                        TimeoutError(f"timed out after {timeout:g} seconds")
                    ) from exc
                if isinstance(exc, pymysql.Error):
                    raise self.connect_error(exc) from exc
                raise
            return conn
        else:
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
                await self.configure(conn)
            except BaseException as exc:
                await self.close(conn)
                if isinstance(exc, pymysql.Error):
                    raise self.connect_error(exc) from exc
                raise
            return conn

    @async_only
    async def _connect_and_configure(self, conn: Any, session_sql: list[tuple[str, Any]]) -> None:
        await conn._connect()  # what aiomysql.connect() awaits, on an object vinyl can close
        for sql, params in session_sql:
            await self.execute(conn, sql, params)
        await self.configure(conn)

    async def configure(self, conn: Any) -> None:
        """Per-connection set-up, as Django's ``init_connection_state`` does it."""
        wrapper = self.wrapper
        if self.server_data is None:
            await self.read_server_data(conn)
        assignments = []
        if wrapper.features.is_sql_auto_is_null_enabled:
            assignments.append("SET SQL_AUTO_IS_NULL = 0")
        if wrapper.isolation_level:
            assignments.append(
                f"SET SESSION TRANSACTION ISOLATION LEVEL {wrapper.isolation_level.upper()}"
            )
        if assignments:
            await self.execute(conn, "; ".join(assignments), None)

    async def read_server_data(self, conn: Any) -> None:
        """Supply Django's ``mysql_server_data`` from *conn* (Django would connect for it)."""
        wrapper = self.wrapper
        data = wrapper.__dict__.get("mysql_server_data")  # Django's connection read it
        if data is None:
            rows = (await self.execute(conn, SERVER_DATA_SQL, None)).rows
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

    async def close(self, conn: Any) -> None:
        if IS_ASYNC:
            try:
                await conn.ensure_closed()  # COM_QUIT, so the server logs no aborted client
            finally:
                conn.close()
        else:
            if conn.open:
                conn.close()

    def in_transaction(self, conn: Any) -> bool:
        return bool(conn.server_status & _IN_TRANS)

    def is_closed(self, conn: Any) -> bool:
        if IS_ASYNC:
            return conn.closed
        else:
            return not conn.open

    def looks_alive(self, conn: Any) -> bool:
        if self.is_closed(conn):
            return False
        if IS_ASYNC:
            # What the server sent may already be in the stream reader (read by the
            # event loop) or still in the socket.
            reader = conn._reader
            if reader.at_eof() or getattr(reader, "_buffer", None):
                return False
            sock = conn._writer.transport.get_extra_info("socket")
            return sock is not None and not socket_has_data(sock.fileno())
        else:
            return not socket_has_data(conn._sock.fileno())

    # -- statements ----------------------------------------------------------------

    async def execute(self, conn: Any, sql: str, params: Sequence[Any] | None) -> Result:
        # params=None: no %-interpolation (vinyl's own statements); Django's compiled SQL
        # always comes with a (possibly empty) sequence, so its ``%%`` becomes ``%``.
        async with conn.cursor() as cursor:
            try:
                await cursor.execute(sql, params)
            except TypeError as exc:
                if params is None:
                    raise
                # ``sql % params`` failed before anything was sent (a ``%s`` in a column
                # alias, too few parameters): mysqlclient raises ProgrammingError, so
                # Django users get ProgrammingError; vinyl gives the same.
                raise pymysql.ProgrammingError(str(exc)) from exc
            rows = list(await cursor.fetchall()) if cursor.description else None
            return Result(rows, cursor.rowcount, cursor.lastrowid, cursor.description)

    async def execute_many(self, conn: Any, sql: str, param_list: Sequence[Sequence[Any]]) -> int:
        if not param_list:
            return 0
        async with conn.cursor() as cursor:
            await cursor.executemany(sql, param_list)
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


@async_only
def _ssl_context(ssl_option: Any, tls: dict[str, Any]) -> Any:
    """An SSLContext for aiomysql from Django/PyMySQL-style TLS options.

    PyMySQL accepts ``OPTIONS["ssl"]`` as a dict (``ca``, ``capath``, ``cert``, ``key``,
    ``password``, ``cipher``, ``check_hostname``, ``verify_mode``) or its ``ssl_*``
    keywords; aiomysql only takes a ready context. Same rules as PyMySQL's.
    """
    if isinstance(ssl_option, ssl.SSLContext):
        return ssl_option
    if any(value for key, value in tls.items() if key != "ssl_disabled"):
        verify_identity = bool(tls.get("ssl_verify_identity"))
        if verify_identity:
            verify_mode: Any = True
        elif tls.get("ssl_verify_cert") is not None:
            verify_mode = tls["ssl_verify_cert"]
        else:
            verify_mode = False
        options: dict[str, Any] = {
            "ca": tls.get("ssl_ca"),
            "check_hostname": verify_identity,
            "verify_mode": verify_mode,
        }
        for key in ("cert", "key"):
            if tls.get("ssl_" + key) is not None:
                options[key] = tls["ssl_" + key]
        if tls.get("ssl_key_password") is not None:
            options["password"] = tls["ssl_key_password"]
    else:
        options = dict(ssl_option) if isinstance(ssl_option, dict) else {}
    ca, capath = options.get("ca"), options.get("capath")
    no_ca = ca is None and capath is None
    ctx = ssl.create_default_context(cafile=ca, capath=capath)
    ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT  # MySQL's self-signed certificates
    ctx.check_hostname = not no_ca and options.get("check_hostname", True)
    verify = options.get("verify_mode")
    if isinstance(verify, str):
        verify = verify.lower()
    if verify is None:
        ctx.verify_mode = ssl.CERT_NONE if no_ca else ssl.CERT_REQUIRED
    elif verify in (False, "none", "0", "false", "no"):
        ctx.verify_mode = ssl.CERT_NONE
    elif verify == "optional":
        ctx.verify_mode = ssl.CERT_OPTIONAL
    elif verify in (True, "required", "1", "true", "yes"):
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        ctx.verify_mode = ssl.CERT_NONE if no_ca else ssl.CERT_REQUIRED
    if "cert" in options:
        ctx.load_cert_chain(
            options["cert"], keyfile=options.get("key"), password=options.get("password")
        )
    if "cipher" in options:
        ctx.set_ciphers(options["cipher"])
    return ctx
