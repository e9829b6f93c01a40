# generated from src/vinyl_async/execution.py by codegen — do not edit

"""Running Django-compiled SQL on vinyl's connections.

Django's compiler produces the SQL; vinyl does the I/O. Two ways:

- :func:`execute_compiler` runs one compiler's SELECT and returns its rows: the
  hot path of queryset evaluation (compiled once, rows handed to Django's
  iterable classes by ``results``).
- :func:`run_django` runs a piece of Django's own synchronous query code
  (``Query.get_aggregation``, ``QuerySet._update``, ``QuerySet._insert``, ...)
  unchanged. While it runs, every compiler's ``execute_sql`` gets a cursor that
  replays recorded results. The first time the code executes a statement that
  has no recorded result yet, the cursor stops the code; vinyl runs that
  statement on its own connection, records the result, and runs the code again
  from the start, which now gets all recorded results in order. Row shaping,
  converters, RETURNING handling and last-insert-id logic are thus Django's own on
  every Django version. The code must be deterministic up to its I/O: an INSERT
  compiler is reused across runs so field ``pre_save()`` (auto_now, ...) runs once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db.models.sql.compiler import SQLCompiler, SQLInsertCompiler
from django.db.models.sql.constants import MULTI

from .adapters.base import Result

if TYPE_CHECKING:
    from .connections import Connection

_T = TypeVar("_T")


class _StatementNeeded(BaseException):
    """Stops Django's code at a statement vinyl has not run yet.

    A BaseException, so Django's own ``except Exception`` blocks let it through.
    """

    def __init__(self, sql: str, params: Any, many: bool):
        super().__init__()
        self.sql = sql
        self.params = params
        self.many = many


class _ConnectionView:
    """Django's connection as a compiler sees it inside :func:`run_django`.

    ``cursor()`` hands out the replaying cursor; ``get_autocommit()`` answers from
    vinyl's transaction state (Django asks it before SELECT ... FOR UPDATE and would
    otherwise open its own connection to answer). Everything else is Django's.
    """

    def __init__(self, wrapper: Any, run: _Run | None, autocommit: bool):
        self._wrapper = wrapper
        self._run = run
        self._autocommit = autocommit

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapper, name)

    def get_autocommit(self) -> bool:
        return self._autocommit

    def cursor(self) -> _ReplayCursor:
        assert self._run is not None
        return _ReplayCursor(self._run, self._wrapper.features.empty_fetchmany_value)

    chunked_cursor = cursor


class _ReplayCursor:
    """A DB-API cursor over results recorded in a :class:`_Run`."""

    def __init__(self, run: _Run, empty_fetch: Any):
        self._run = run
        self._empty = empty_fetch
        self._rows: list[Any] = []
        self._position = 0
        self.rowcount = -1
        self.lastrowid: Any = None

    def __enter__(self) -> _ReplayCursor:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        pass

    def _load(self, sql: str, params: Any, many: bool) -> None:
        result = self._run.next_result(sql, params, many)
        self._rows = list(result.rows or ())
        self._position = 0
        self.rowcount = result.rowcount
        self.lastrowid = result.lastrowid

    def execute(self, sql: str, params: Any = None) -> None:
        self._load(sql, params, many=False)

    def executemany(self, sql: str, param_list: Any) -> None:
        self._load(sql, list(param_list), many=True)

    def fetchone(self) -> Any:
        if self._position >= len(self._rows):
            return None
        self._position += 1
        return self._rows[self._position - 1]

    def fetchmany(self, size: int = 100) -> Any:
        chunk = self._rows[self._position : self._position + size]
        self._position += len(chunk)
        return chunk if chunk else self._empty

    def fetchall(self) -> list[Any]:
        rest = self._rows[self._position :]
        self._position = len(self._rows)
        return rest

    def __iter__(self) -> Any:
        return iter(self.fetchall())


class _Run:
    """The recorded results (and INSERT compilers) of one :func:`run_django` call."""

    def __init__(self, autocommit: bool):
        self.autocommit = autocommit
        self.results: list[Result] = []
        self.position = 0
        self.insert_compilers: list[SQLInsertCompiler] = []
        self.insert_position = 0

    def restart(self) -> None:
        self.position = 0
        self.insert_position = 0

    def next_result(self, sql: str, params: Any, many: bool) -> Result:
        if self.position < len(self.results):
            self.position += 1
            return self.results[self.position - 1]
        raise _StatementNeeded(sql, params, many)

    def compiler_for_insert(self, compiler: SQLInsertCompiler) -> SQLInsertCompiler:
        if self.insert_position < len(self.insert_compilers):
            compiler = self.insert_compilers[self.insert_position]
        else:
            self._prepare(compiler)
            compiler.as_sql = _compute_once(compiler.as_sql)  # type: ignore[method-assign]
            self.insert_compilers.append(compiler)
        self.insert_position += 1
        return compiler

    def _prepare(self, compiler: SQLCompiler) -> None:
        if not isinstance(compiler.connection, _ConnectionView):
            compiler.connection = _ConnectionView(  # type: ignore[assignment]
                compiler.connection, self, self.autocommit
            )


def _compute_once(as_sql: Callable[[], _T]) -> Callable[[], _T]:
    computed: list[_T] = []

    def once() -> _T:
        if not computed:
            computed.append(as_sql())
        return computed[0]

    return once


_current_run: ContextVar[_Run | None] = ContextVar("vinyl_run", default=None)
_django_execute_sql = SQLCompiler.execute_sql
_django_insert_execute_sql = SQLInsertCompiler.execute_sql


def _execute_sql(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
    run = _current_run.get()
    if run is None:
        return _django_execute_sql(self, *args, **kwargs)
    run._prepare(self)
    return _django_execute_sql(self, *args, **kwargs)


def _insert_execute_sql(self: SQLInsertCompiler, *args: Any, **kwargs: Any) -> Any:
    run = _current_run.get()
    if run is None:
        return _django_insert_execute_sql(self, *args, **kwargs)
    return _django_insert_execute_sql(run.compiler_for_insert(self), *args, **kwargs)


# Installed once, at import. Outside run_django() Django's own methods run unchanged.
SQLCompiler.execute_sql = _execute_sql  # type: ignore[method-assign]
SQLInsertCompiler.execute_sql = _insert_execute_sql  # type: ignore[method-assign]


def _autocommit(conn: Connection) -> bool:
    from .transaction import current_transaction

    return current_transaction(conn.alias) is None


def run_django(conn: Connection, code: Callable[[], _T]) -> _T:
    """Run Django's synchronous *code*, doing its statements on *conn*."""
    run = _Run(autocommit=_autocommit(conn))
    while True:
        run.restart()
        token = _current_run.set(run)
        try:
            return code()
        except _StatementNeeded as needed:
            sql, params, many = needed.sql, needed.params, needed.many
        finally:
            _current_run.reset(token)
        if many:
            count = conn.execute_many(sql, params)
            run.results.append(Result(None, count))
        else:
            run.results.append(conn.execute(sql, params))


def execute_compiler(conn: Connection, compiler: SQLCompiler) -> list[Sequence[Any]]:
    """Run *compiler*'s SELECT on *conn* and return its rows (Django's row shape).

    Compiling may itself need the database (a GenericRelation join reads its
    ContentType through Django's ContentType cache): it runs under
    :func:`run_django`, so such reads are vinyl statements on *conn* too.
    """
    if compiler.query.select_for_update:
        compiler.connection = _ConnectionView(  # type: ignore[assignment]
            compiler.connection, None, _autocommit(conn)
        )
    try:
        sql, params = run_django(conn, compiler.as_sql)
        if not sql:
            raise EmptyResultSet
    except EmptyResultSet:
        return []
    return execute_select(conn, compiler, sql, params)


class NeedsDatabase(Exception):
    """Compiling the query needs a database read (see :func:`compile_offline`)."""


def compile_offline(compiler: SQLCompiler) -> tuple[str, Any]:
    """``compiler.as_sql()`` with no connection at hand.

    Raises :class:`NeedsDatabase` if compiling wants to run a statement (then
    compile with :func:`execute_compiler`, which runs it on a connection).
    Not for SELECT ... FOR UPDATE (it asks the transaction state).
    """
    run = _Run(autocommit=True)
    token = _current_run.set(run)
    try:
        return compiler.as_sql()
    except _StatementNeeded:
        raise NeedsDatabase from None
    finally:
        _current_run.reset(token)


def execute_select(
    conn: Connection, compiler: SQLCompiler, sql: str, params: Any
) -> list[Sequence[Any]]:
    """Run the SELECT *sql* compiled by *compiler* on *conn*: its rows, Django's shape."""
    rows = conn.execute_query(sql, params).rows or []
    if compiler.has_extra_select:
        # ORDER BY helper columns are dropped, as Django's cursor_iter does.
        col_count = compiler.col_count
        rows = [row[0:col_count] for row in rows]
    return rows


__all__ = [
    "MULTI",
    "NeedsDatabase",
    "compile_offline",
    "execute_compiler",
    "execute_select",
    "run_django",
]
