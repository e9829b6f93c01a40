"""Connection pools.

PostgreSQL uses psycopg_pool (see ``adapters.postgresql``). SQLite and MySQL drivers
have no pool of the right shape, so :class:`ConnectionPool` serves them: written once
here, its sync twin generated. Connections are opened lazily, capped at
``max_size``, recycled after ``max_lifetime`` / ``max_idle`` seconds, checked
without a round trip when handed out (a connection the server closed while it sat
idle is replaced), and never handed out while the server still holds a
transaction on it.

Every slot is accounted for whatever happens to the caller: a task cancelled while
waiting, while connecting or while a connection is given back never leaves the
pool smaller (see ``get_stats()``).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

from ._compat import Condition, wait_condition
from .exceptions import PoolTimeout

if TYPE_CHECKING:
    from .adapters.base import Adapter

logger = logging.getLogger("vinyl.pool")


class PoolClosed(PoolTimeout):
    """The pool was closed (``close_pools()``) while a connection was wanted."""


class Pool(Protocol):
    async def acquire(self, timeout: float | None = None) -> Any: ...

    async def release(self, conn: Any, discard: bool = False) -> None: ...

    async def close(self) -> None: ...

    def get_stats(self) -> dict[str, int]: ...


def pool_timeout_error(alias: str, max_size: int, timeout: float) -> PoolTimeout:
    """The error of an acquire that waited *timeout* seconds in vain."""
    return PoolTimeout(
        f"no connection available in the pool of database alias {alias!r} "
        f"(max_size={max_size}, all in use) within {timeout:g} seconds; raise "
        f"DATABASES[{alias!r}]['VINYL']['pool']['max_size'] or ['timeout'], or hold "
        f"connections (atomic blocks) for less time"
    )


class _Idle:
    __slots__ = ("conn", "created", "returned")

    def __init__(self, conn: Any, created: float, returned: float):
        self.conn = conn
        self.created = created
        self.returned = returned


class ConnectionPool:
    """A small pool of driver connections for one alias and one event loop."""

    def __init__(self, adapter: Adapter):
        self.adapter = adapter
        self.options = adapter.options.pool
        self.name = adapter.alias
        self._idle: deque[_Idle] = deque()
        self._created: dict[int, float] = {}
        self._size = 0  # connections open or being opened
        self._waiting = 0
        self._closed = False
        self._cond = Condition()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} size={self._size}/{self.options.max_size}>"

    def get_stats(self) -> dict[str, int]:
        """psycopg_pool's names: ``pool_size`` (open or opening), ``pool_available`` (idle)."""
        return {
            "pool_size": self._size,
            "pool_available": len(self._idle),
            "pool_max": self.options.max_size,
            "requests_waiting": self._waiting,
        }

    async def acquire(self, timeout: float | None = None) -> Any:
        """Return a connection, opening one if below ``max_size``.

        Waits up to *timeout* (default: the pool's ``timeout``) for one to be
        released, then raises :class:`PoolTimeout` naming the alias and pool size.
        A failed connection attempt raises Django's ``OperationalError`` naming
        the alias (see ``Adapter.connect``); the slot is given back either way.
        """
        if timeout is None:
            timeout = self.options.timeout
        deadline = time.monotonic() + timeout
        while True:
            entry = None
            async with self._cond:
                while True:
                    if self._closed:
                        raise PoolClosed(f"the connection pool of alias {self.name!r} is closed")
                    if self._idle:
                        entry = self._idle.pop()
                        break
                    if self._size < self.options.max_size:
                        self._size += 1
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise pool_timeout_error(self.name, self.options.max_size, timeout)
                    # Woken by a release or by the deadline: either way look again, so
                    # a wake-up that went to a cancelled waiter costs no connection.
                    await self._wait(remaining)
            if entry is None:
                return await self._open()
            if self._usable(entry):
                return entry.conn
            await self._discard(entry.conn)

    async def _wait(self, remaining: float) -> None:
        self._waiting += 1
        try:
            await wait_condition(self._cond, remaining)
        except BaseException:
            # Cancelled: pass on a wake-up that may have been meant for this waiter.
            self._cond.notify()
            raise
        finally:
            self._waiting -= 1

    async def _open(self) -> Any:
        try:
            conn = await self.adapter.connect()
        except BaseException:
            async with self._cond:
                self._size -= 1
                self._cond.notify()
            raise
        self._created[id(conn)] = time.monotonic()
        return conn

    def _usable(self, entry: _Idle) -> bool:
        """Whether an idle connection may be handed out (no I/O)."""
        now = time.monotonic()
        if now - entry.created > self.options.max_lifetime:
            return False
        if now - entry.returned > self.options.max_idle:
            return False
        # The server closed it while idle (restart, pg_terminate_backend, KILL)?
        return self.adapter.looks_alive(entry.conn)

    async def release(self, conn: Any, discard: bool = False) -> None:
        """Give *conn* back; roll back first if the server holds a transaction on it.

        A connection that is closed, or whose rollback fails or is interrupted,
        is closed instead of pooled; its slot is freed in every case.
        """
        if not discard and not self._closed and not self.adapter.is_closed(conn):
            try:
                if self.adapter.in_transaction(conn):
                    logger.warning("rolling back a connection returned in transaction")
                    await self.adapter.rollback(conn)
            except Exception:
                discard = True
            except BaseException:
                await self._discard(conn)
                raise
        else:
            discard = True
        if discard:
            await self._discard(conn)
            return
        created = self._created.get(id(conn), time.monotonic())
        async with self._cond:
            self._idle.append(_Idle(conn, created, time.monotonic()))
            self._cond.notify()

    async def _discard(self, conn: Any) -> None:
        self._created.pop(id(conn), None)
        try:
            await self.adapter.close(conn)
        except Exception:  # a dead connection may fail to close: it is gone either way
            logger.debug("error closing a discarded connection", exc_info=True)
        finally:
            async with self._cond:
                self._size -= 1
                self._cond.notify()

    async def close(self) -> None:
        """Close idle connections now; connections in use close when released."""
        async with self._cond:
            self._closed = True
            idle = list(self._idle)
            self._idle.clear()
            self._cond.notify_all()
        for entry in idle:
            await self._discard(entry.conn)
