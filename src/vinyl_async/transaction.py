"""Transactions: ``atomic``, savepoints and ``on_commit``, with Django's semantics.

vinyl's connections stay in autocommit mode; ``atomic`` checks one connection out
of the pool, sends ``BEGIN`` and binds the connection to the current task (a
context variable that also records the owning task, so tasks spawned inside the
block do not share it). Nested blocks are savepoints. The outermost block commits
or rolls back and gives the connection back, even when the task is cancelled:
COMMIT/ROLLBACK and the hand-back finish before the cancellation is re-raised, and
a connection whose statement was cut off part-way is closed (the server then rolls
back) instead of pooled.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, Error, OperationalError
from django.db.transaction import TransactionManagementError

from ._compat import call_maybe_async, current_task, shield
from .connections import Connection, begin_transaction

__all__ = [
    "Atomic",
    "atomic",
    "get_rollback",
    "in_atomic_block",
    "on_commit",
    "set_rollback",
]

logger = logging.getLogger("vinyl.transaction")

_F = TypeVar("_F", bound=Callable[..., Any])


class TransactionState:
    """The open transaction of one alias in one task."""

    __slots__ = (
        "alias",
        "connection",
        "owner",
        "savepoint_ids",
        "needs_rollback",
        "run_on_commit",
        "durable_blocks",
        "_savepoint_counter",
    )

    def __init__(self, alias: str, connection: Connection):
        self.alias = alias
        self.connection = connection
        self.owner = current_task()
        self.savepoint_ids: list[str | None] = []
        self.needs_rollback = False
        self.run_on_commit: list[tuple[set[str], Callable[[], Any], bool]] = []
        self.durable_blocks = 0
        self._savepoint_counter = 0

    def validate_no_broken_transaction(self) -> None:
        # Also after a statement was cut off part-way (a cancellation caught inside
        # the block): the connection is out of step and only good for closing.
        if self.needs_rollback or self.connection.must_discard():
            raise TransactionManagementError(
                "An error occurred in the current transaction. You can't "
                "execute queries until the end of the 'atomic' block."
            )

    def new_savepoint_id(self) -> str:
        self._savepoint_counter += 1
        return f"vinyl_s{id(self.owner) & 0xFFFFFF:x}_x{self._savepoint_counter}"

    def discard_callbacks_of(self, sid: str) -> None:
        self.run_on_commit = [entry for entry in self.run_on_commit if sid not in entry[0]]


_transactions: ContextVar[dict[str, TransactionState] | None] = ContextVar(
    "vinyl_transactions", default=None
)


def current_transaction(alias: str) -> TransactionState | None:
    """The current task's open transaction on *alias*, if any."""
    states = _transactions.get()
    if not states:
        return None
    state = states.get(alias)
    if state is None or state.owner is not current_task():
        return None
    return state


def in_atomic_block(using: str | None = None) -> bool:
    return current_transaction(using or DEFAULT_DB_ALIAS) is not None


class Atomic:
    """``async with atomic(...)`` / ``@atomic``: see :func:`atomic`."""

    def __init__(self, using: str | None, savepoint: bool, durable: bool):
        self.using = using or DEFAULT_DB_ALIAS
        self.savepoint = savepoint
        self.durable = durable
        # Per-entry data, so one Atomic object can be entered again (as decorators are).
        self._entries: list[tuple[Any, str | None, bool]] = []

    def __call__(self, func: _F) -> _F:
        @functools.wraps(func)
        async def inner(*args: Any, **kwargs: Any) -> Any:
            async with Atomic(self.using, self.savepoint, self.durable):
                return await func(*args, **kwargs)

        return inner  # type: ignore[return-value]

    async def __aenter__(self) -> Atomic:
        state = current_transaction(self.using)
        if self.durable and state is not None:
            raise RuntimeError(
                "A durable atomic block cannot be nested within another atomic block."
            )
        if state is None:
            token = await self._begin()
            self._entries.append((token, None, True))
            return self
        if self.savepoint and not state.needs_rollback:
            sid = state.new_savepoint_id()
            await state.connection.execute(
                state.connection.wrapper.ops.savepoint_create_sql(sid), None
            )
            state.savepoint_ids.append(sid)
        else:
            sid = None
            state.savepoint_ids.append(None)
        self._entries.append((None, sid, False))
        return self

    async def _begin(self) -> Any:
        connection = await begin_transaction(self.using)
        state = TransactionState(self.using, connection)
        states = dict(_transactions.get() or {})
        states[self.using] = state
        return _transactions.set(states)

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        token, sid, outermost = self._entries.pop()
        state = current_transaction(self.using)
        assert state is not None, "atomic block exited in another task than it entered"
        if outermost:
            await self._finish(state, token, exc_type)
            return
        state.savepoint_ids.pop()
        connection = state.connection
        ops = connection.wrapper.ops
        if exc_type is None and not state.needs_rollback:
            if sid is not None:
                try:
                    await connection.execute(ops.savepoint_commit_sql(sid), None)
                except DatabaseError:
                    try:
                        await connection.execute(ops.savepoint_rollback_sql(sid), None)
                        await connection.execute(ops.savepoint_commit_sql(sid), None)
                    except Error:
                        state.needs_rollback = True
                    raise
            return
        # An exception (a cancellation too), or set_rollback(True): undo this block.
        state.needs_rollback = False
        if sid is None or connection.must_discard():
            # No savepoint to go back to, or a statement was cut off part-way and the
            # connection is out of step: only the outermost block can roll back.
            state.needs_rollback = True
            return
        try:
            # Shielded: a cancellation must not stop the rollback half-way.
            await shield(_rollback_savepoint(connection, sid))
            state.discard_callbacks_of(sid)
        except Error:
            state.needs_rollback = True

    async def _finish(self, state: TransactionState, token: Any, exc_type: Any) -> None:
        _transactions.reset(token)
        commit = exc_type is None and not state.needs_rollback
        # Shielded as a whole: a cancellation arriving now must neither interrupt
        # COMMIT/ROLLBACK half-way nor keep the connection from its pool.
        committed = await shield(_end_transaction(state.connection, commit, exc_type is None))
        if committed:
            await _run_on_commit(state.run_on_commit)


async def _rollback_savepoint(connection: Connection, sid: str) -> None:
    ops = connection.wrapper.ops
    await connection.execute(ops.savepoint_rollback_sql(sid), None)
    await connection.execute(ops.savepoint_commit_sql(sid), None)


async def _end_transaction(connection: Connection, commit: bool, raise_errors: bool) -> bool:
    """COMMIT (or ROLLBACK) and give the connection back; True if committed.

    A connection whose statement was cut off part-way is closed without a word
    to the server (which rolls back); committing on it raises OperationalError.
    """
    pool = connection.database.pool
    discard = False
    try:
        if connection.must_discard():
            discard = True
            if commit:
                raise OperationalError(
                    f"a statement of this atomic block on database alias {connection.alias!r} "
                    f"was interrupted part-way; the transaction was rolled back"
                )
            return False
        if commit:
            try:
                await connection.commit()
                return True
            except BaseException:
                discard = True
                raise
        try:
            await connection.rollback()
        except BaseException:
            discard = True
            if raise_errors:
                raise
        return False
    finally:
        await pool.release(connection.raw, discard=discard)


async def _run_on_commit(callbacks: list[tuple[set[str], Callable[[], Any], bool]]) -> None:
    for _sids, func, robust in callbacks:
        if robust:
            try:
                await call_maybe_async(func)
            except Exception as exc:
                logger.exception(
                    "Error calling %s in on_commit() (%s).",
                    getattr(func, "__qualname__", func),
                    exc,
                )
        else:
            await call_maybe_async(func)


def atomic(using: Any = None, savepoint: bool = True, durable: bool = False) -> Any:
    """Run a block in a transaction: ``async with atomic():`` or ``@atomic``.

    The outermost block takes one connection from the pool, binds it to the
    current task and commits on success or rolls back on an exception (or when
    the task is cancelled), then gives the connection back. Nested blocks create
    savepoints (``savepoint=False`` makes them join the outer transaction, so an
    error inside marks the whole transaction for rollback). ``durable=True``
    raises RuntimeError if the block is nested.
    """
    if callable(using):
        return Atomic(DEFAULT_DB_ALIAS, savepoint, durable)(using)
    return Atomic(using, savepoint, durable)


async def on_commit(
    func: Callable[[], Any], using: str | None = None, robust: bool = False
) -> None:
    """Run *func* (a sync or async callable) after the outermost atomic block commits.

    Outside ``atomic`` it runs at once. Callbacks of a savepoint that is rolled back
    are dropped, and all of them are dropped when the transaction rolls back. With
    ``robust=True`` an exception in *func* is logged instead of raised.
    """
    if not callable(func):
        raise TypeError("on_commit()'s callback must be a callable.")
    state = current_transaction(using or DEFAULT_DB_ALIAS)
    if state is None:
        await _run_on_commit([(set(), func, robust)])
        return
    sids = {sid for sid in state.savepoint_ids if sid is not None}
    state.run_on_commit.append((sids, func, robust))


def _required_state(using: str | None) -> TransactionState:
    state = current_transaction(using or DEFAULT_DB_ALIAS)
    if state is None:
        raise TransactionManagementError(
            "The rollback flag doesn't work outside of an 'atomic' block."
        )
    return state


def get_rollback(using: str | None = None) -> bool:
    """Whether the current atomic block will roll back (Django's ``get_rollback``)."""
    return _required_state(using).needs_rollback


def set_rollback(rollback: bool, using: str | None = None) -> None:
    """Mark the innermost atomic block to roll back on exit (or clear the mark)."""
    _required_state(using).needs_rollback = rollback
