# generated from src/vinyl_async/adapters/base.py by codegen — do not edit

"""What every driver adapter provides, and the parts they share.

An adapter owns everything vendor- or driver-specific about talking to one
database alias: opening a connection set up exactly as Django's backend sets up
its own, running Django-compiled SQL, transaction statements, health checks and
turning driver exceptions into Django's. Everything above it is backend-neutral.
"""

from __future__ import annotations

import select
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..exceptions import translate_driver_error

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from ..options import VinylOptions
    from ..pool import Pool


def socket_has_data(fileno: int) -> bool:
    """True if the socket *fileno* is readable (or failed) right now, without blocking.

    The server sends nothing on an idle connection except when it closes it (a FATAL
    message, an error packet or EOF), so data waiting there means the connection
    is gone.
    """
    if fileno < 0:
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fileno, select.POLLIN | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(0))
    readable, _, failed = select.select([fileno], [], [fileno], 0)
    return bool(readable or failed)


class BatchFailure(Exception):
    """A statement of :meth:`Adapter.execute_batch` failed.

    ``index`` is its position in the statements given (None: BEGIN or COMMIT);
    ``error`` is the driver's exception.
    """

    def __init__(self, index: int | None, error: BaseException):
        super().__init__(index, error)
        self.index = index
        self.error = error


@dataclass(slots=True)
class Result:
    """What one executed statement produced."""

    rows: list[Any] | None
    rowcount: int
    lastrowid: Any = None
    #: the cursor's DB-API ``description`` (column names first), for raw() queries
    description: Any = None


class Adapter:
    """Driver adapter for one alias. Subclasses implement the driver calls."""

    vendor: str = ""
    #: the DB-API module whose exception classes the driver raises
    database_module: Any = None

    def __init__(self, alias: str, wrapper: BaseDatabaseWrapper, options: VinylOptions):
        self.alias = alias
        self.wrapper = wrapper
        self.options = options
        #: Server facts Django's backend would open its own connection to learn
        #: (cached properties such as ``pg_version``), read from vinyl's first one.
        self.server_facts: dict[str, Any] = {}

    def apply_server_facts(self, wrapper: BaseDatabaseWrapper) -> None:
        """Give a Django wrapper of this alias the server facts vinyl has read.

        Django keeps one wrapper per thread (per task, in async code); any of them
        may compile SQL, and compiling must never open Django's own connection.
        """
        for name, value in self.server_facts.items():
            wrapper.__dict__.setdefault(name, value)

    # -- connections ---------------------------------------------------------------

    def connect(self) -> Any:
        """Open a new connection, in autocommit mode, set up like Django's."""
        raise NotImplementedError

    def close(self, conn: Any) -> None:
        raise NotImplementedError

    def in_transaction(self, conn: Any) -> bool:
        """True if the server holds an open transaction on *conn*."""
        raise NotImplementedError

    def is_closed(self, conn: Any) -> bool:
        raise NotImplementedError

    def looks_alive(self, conn: Any) -> bool:
        """Whether an idle pooled connection is still open, judged without a round trip.

        Checked each time the pool hands a connection out. An idle connection gets
        no data unless the server closed it (restart, ``pg_terminate_backend``,
        ``KILL``): then it is replaced before anything is sent on it.
        """
        return not self.is_closed(conn)

    def reusable_after_interrupt(self, conn: Any) -> bool:
        """Whether *conn* may go back to the pool after a statement on it was interrupted.

        A task cancelled mid-statement may leave the connection mid-protocol; by
        default it is closed (the server then rolls back whatever it held open).
        """
        return False

    def ping(self, conn: Any) -> None:
        """Raise if *conn* is no longer usable."""
        self.execute(conn, "SELECT 1", ())

    def create_pool(self) -> Pool:
        from ..pool import ConnectionPool

        return ConnectionPool(self)

    # -- statements ----------------------------------------------------------------

    def execute(self, conn: Any, sql: str, params: Sequence[Any] | None) -> Result:
        raise NotImplementedError

    def execute_many(self, conn: Any, sql: str, param_list: Sequence[Sequence[Any]]) -> int:
        raise NotImplementedError

    def execute_query(self, conn: Any, sql: str, params: Sequence[Any] | None) -> Result:
        """:meth:`execute` for a compiled SELECT: ``description`` may be left out."""
        return self.execute(conn, sql, params)

    def execute_batch(
        self,
        conn: Any,
        statements: Sequence[tuple[str, Any, bool]],
        *,
        begin: bool = False,
        commit: bool = False,
    ) -> None:
        """Run *statements* (``(sql, params, many)``), results unused, in as few round trips as the driver allows.

        With *begin* / *commit* the transaction is opened before them / committed
        after them. Raises :class:`BatchFailure` carrying the driver's error and
        the position of the failed statement (None for BEGIN/COMMIT); nothing is
        rolled back here. This default sends them one by one.
        """
        if begin:
            try:
                self.begin(conn)
            except Exception as exc:
                raise BatchFailure(None, exc) from exc
        for index, (sql, params, many) in enumerate(statements):
            try:
                if many:
                    self.execute_many(conn, sql, params)
                else:
                    self.execute(conn, sql, params)
            except Exception as exc:
                raise BatchFailure(index, exc) from exc
        if commit:
            try:
                self.commit(conn)
            except Exception as exc:
                raise BatchFailure(None, exc) from exc

    # -- transactions (connections stay in autocommit; BEGIN is explicit) ---------

    def begin_sql(self) -> str:
        """The statement that opens a transaction (as Django's backend would open it)."""
        return "BEGIN"

    def begin(self, conn: Any) -> None:
        self.execute(conn, self.begin_sql(), None)

    def commit(self, conn: Any) -> None:
        self.execute(conn, "COMMIT", None)

    def rollback(self, conn: Any) -> None:
        self.execute(conn, "ROLLBACK", None)

    # -- errors --------------------------------------------------------------------

    def unsent(self, exc: BaseException) -> bool:
        """Whether the failed statement certainly did not run (safe to run elsewhere).

        True only when the driver could not send it, or the server ended the session
        before it could take effect. A lost connection mid-statement is not enough:
        the statement may have run.
        """
        return False

    def translate_error(self, exc: BaseException) -> BaseException | None:
        """The Django exception for a driver exception (None if not a driver error)."""
        return translate_driver_error(exc, self.database_module)

    def connect_error(self, exc: BaseException) -> BaseException:
        """A connection failure, as Django's OperationalError naming the alias."""
        from django.db.utils import OperationalError

        err = OperationalError(
            f"vinyl could not connect to database alias {self.alias!r} ({self.vendor}): {exc}"
        )
        err.__cause__ = exc
        return err
