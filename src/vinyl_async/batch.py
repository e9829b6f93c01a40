"""``batch()``: write-only statements queued and sent together, in one transaction.

::

    async with vinyl_async.batch():
        for counter in counters:
            counter.value += 1
            await counter.save()          # queued: an UPDATE of a loaded row
        await Counter.vinyl.filter(name="x").update(value=0)   # queued

At the end of the block the queued statements are sent with the transaction
around them: on PostgreSQL in psycopg's pipeline mode (BEGIN, every statement
and COMMIT in one round trip), elsewhere one after the other. What is queued:
statements whose result nobody needs, i.e. ``update()``, ``delete()`` (its
DELETE/UPDATE statements; the SELECTs of cascade lookups run at once),
``save()`` of an instance loaded from the database, ``bulk_update()`` and
``bulk_create()`` when the backend returns no keys (or ``ignore_conflicts``),
many-to-many ``add``/``remove``/``set``/``clear``. Anything that needs a
result (a read, an INSERT that returns the new key, a savepoint) first sends
what is queued, in the same transaction, so reads see the block's writes. Counts
of queued statements are not known when they are queued: inside a batch,
``update()`` and ``bulk_update()`` return None and ``delete()`` returns
``(None, {})``.

If a statement fails, the whole batch is rolled back and Django's exception for
the failure is raised, naming the statement (its position in the batch and its
SQL): ``exc.batch_statement`` is ``(position, sql)``, 1-based. An exception
inside the block rolls everything back too; nothing queued is sent then.

Inside ``atomic`` a batch joins the transaction and runs in a savepoint; an
``atomic`` block inside a batch is a savepoint of the batch's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db import connections as django_connections

from ._compat import shield
from .adapters.base import BatchFailure, Result
from .connections import Connection, _observers, get_database
from .transaction import TransactionState, _run_on_commit, _transactions, current_transaction

__all__ = ["Batch", "BatchConnection", "batch", "is_batching", "write_only"]

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

#: The result a queued statement gives the code that sent it: the count is unknown.
QUEUED = Result(None, -1)


def _is_write(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(_WRITES)


class BatchConnection(Connection):
    """The connection of a batch: queues write-only statements, sends them together.

    A statement is queued only while the code sending it has said its result is
    not needed (:func:`write_only`); any other statement first sends the queue
    (and BEGIN, the first time) and then runs as usual.
    """

    __slots__ = ("queue", "began", "deferring", "savepoint", "sent")

    def __init__(
        self, database: Any, raw: Any, *, began: bool = False, savepoint: str | None = None
    ):
        super().__init__(database, raw, retryable=False)
        self.queue: list[tuple[str, Any, bool]] = []
        #: the transaction (or the savepoint) was opened on the server
        self.began = began and savepoint is None
        self.deferring = False
        #: inside an outer atomic block: the batch is this savepoint
        self.savepoint = savepoint
        #: statements of the batch sent so far (to number them in errors)
        self.sent = 0

    # -- statements --------------------------------------------------------------------

    async def execute(self, sql: str, params: Sequence[Any] | None = ()) -> Result:
        if self.deferring and _is_write(sql):
            self.queue.append((sql, params, False))
            return QUEUED
        await self.flush()
        return await super().execute(sql, params)

    async def execute_query(self, sql: str, params: Sequence[Any] | None = ()) -> Result:
        await self.flush()  # a SELECT: reads see the queued writes
        return await super().execute_query(sql, params)

    async def execute_many(self, sql: str, param_list: Sequence[Sequence[Any]]) -> int:
        if self.deferring and _is_write(sql):
            self.queue.append((sql, list(param_list), True))
            return -1
        await self.flush()
        return await super().execute_many(sql, param_list)

    async def flush(self, *, end: bool = False) -> None:
        """Send the queued statements (opening the transaction first if needed).

        With *end*, also end the batch's transaction (COMMIT, or RELEASE of its
        savepoint). Raises Django's exception for a failed statement, naming it.
        """
        statements = self.queue
        if not statements and self.began and not end:
            return
        if not statements and not self.began and end:
            return  # nothing was ever sent: nothing to commit
        self.queue = []
        ops = self.wrapper.ops
        begin = not self.began and self.savepoint is None
        commit = end and self.savepoint is None
        prefix: list[tuple[str, Any, bool]] = []
        suffix: list[tuple[str, Any, bool]] = []
        if self.savepoint is not None:
            if not self.began:
                prefix.append((ops.savepoint_create_sql(self.savepoint), None, False))
            if end:
                suffix.append((ops.savepoint_commit_sql(self.savepoint), None, False))
        sending = prefix + statements + suffix
        self._report(begin, sending, commit)
        self.began = True
        try:
            await self.adapter.execute_batch(self.raw, sending, begin=begin, commit=commit)
        except BatchFailure as failure:
            raise self._statement_error(failure, len(prefix), statements) from failure.error
        except BaseException:
            self.interrupted = True
            raise
        finally:
            self.sent += len(statements)
        self._fresh = False

    def _report(self, begin: bool, statements: list[tuple[str, Any, bool]], commit: bool) -> None:
        for observer in _observers:
            if begin:
                observer(self.alias, "BEGIN", None)
            for sql, params, _many in statements:
                observer(self.alias, sql, params)
            if commit:
                observer(self.alias, "COMMIT", None)

    def _statement_error(
        self, failure: BatchFailure, offset: int, statements: list[tuple[str, Any, bool]]
    ) -> BaseException:
        error = self._translate(failure.error)
        index = None if failure.index is None else failure.index - offset
        if index is None or not 0 <= index < len(statements):
            what = "the transaction statements of the batch"
            sql = None
        else:
            number = self.sent + index + 1
            sql = statements[index][0]
            what = f"statement {number} of the batch ({sql})"
        if not isinstance(error, Exception):
            return error
        try:
            named = type(error)(f"{what} failed: {error}")
        except Exception:  # an exception class with another signature: keep it as is
            return error
        named.batch_statement = None if sql is None else (number, sql)  # type: ignore[attr-defined]
        return named

    # -- the transaction -----------------------------------------------------------------

    async def commit(self) -> None:
        """Send what is queued and COMMIT (RELEASE the savepoint inside ``atomic``).

        On failure the batch's work is rolled back before the error is raised.
        """
        try:
            await self.flush(end=True)
        except BaseException:
            try:
                await shield(self.rollback())
            except Exception:
                self.interrupted = True  # out of step with the server: close it
            raise

    async def rollback(self) -> None:
        """Forget the queue; roll back what was sent (to the savepoint inside ``atomic``)."""
        self.queue = []
        if not self.began or self.must_discard():
            return
        if self.savepoint is None:
            await super().rollback()
        else:
            ops = self.wrapper.ops
            await Connection.execute(self, ops.savepoint_rollback_sql(self.savepoint), None)
            await Connection.execute(self, ops.savepoint_commit_sql(self.savepoint), None)
        self.began = False


def is_batching(conn: Any) -> bool:
    """Whether *conn* is the connection of a batch (statements may be queued)."""
    return isinstance(conn, BatchConnection)


@contextmanager
def write_only(conn: Any, enabled: bool = True) -> Iterator[None]:
    """Inside: INSERT/UPDATE/DELETE statements sent on *conn* need no result.

    In a batch they are queued (their result is ``QUEUED``: rowcount -1); outside
    a batch, or with *enabled* false, nothing changes.
    """
    if not enabled or not isinstance(conn, BatchConnection) or conn.deferring:
        yield
        return
    conn.deferring = True
    try:
        yield
    finally:
        conn.deferring = False


class Batch:
    """``async with batch(using=...)``: see the module documentation."""

    def __init__(self, using: str | None = None):
        self.using = using or DEFAULT_DB_ALIAS
        self._entries: list[tuple[Any, ...]] = []

    async def __aenter__(self) -> Batch:
        state = current_transaction(self.using)
        if state is None:
            database = get_database(self.using)
            raw = await database.pool.acquire()
            # Nothing is sent yet: BEGIN goes out with the first statements.
            conn = BatchConnection(database, raw)
            database.adapter.apply_server_facts(django_connections[self.using])
            state = TransactionState(self.using, conn)
            states = dict(_transactions.get() or {})
            states[self.using] = state
            token = _transactions.set(states)
            self._entries.append((token, state, None))
            return self
        # Inside atomic: the batch is a savepoint of the open transaction.
        state.validate_no_broken_transaction()
        outer = state.connection
        if isinstance(outer, BatchConnection):
            self._entries.append((None, state, None))  # a batch in a batch: one batch
            return self
        conn = BatchConnection(
            outer.database, outer.raw, began=True, savepoint=state.new_savepoint_id()
        )
        state.connection = conn
        self._entries.append((None, state, outer))
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        token, state, outer = self._entries.pop()
        if token is None and outer is None:
            return  # nested in another batch: the outer one sends
        if token is None:
            await self._leave_savepoint(state, outer, exc_type)
            return
        _transactions.reset(token)
        commit = exc_type is None and not state.needs_rollback
        # Shielded: a cancellation must neither stop COMMIT/ROLLBACK half-way nor
        # keep the connection from its pool.
        committed = await shield(_end_batch(state.connection, commit, exc_type is None))
        if committed:
            await _run_on_commit(state.run_on_commit)

    async def _leave_savepoint(
        self, state: TransactionState, outer: Connection, exc_type: Any
    ) -> None:
        conn = state.connection
        try:
            if exc_type is None and not state.needs_rollback:
                # On failure the savepoint is rolled back before the error is raised:
                # the outer transaction goes on without the batch's writes.
                await conn.commit()
            else:
                await shield(conn.rollback())
        finally:
            # A savepoint that could not be rolled back leaves the connection out of
            # step: the outer block can then only roll back.
            outer.interrupted = outer.interrupted or conn.interrupted
            state.connection = outer


async def _end_batch(conn: BatchConnection, commit: bool, raise_errors: bool) -> bool:
    """Send and COMMIT (or roll back) the batch, give the connection back; True if committed."""
    pool = conn.database.pool
    discard = False
    try:
        if commit:
            try:
                await conn.commit()
                return True
            except BaseException:
                discard = conn.must_discard()
                raise
        try:
            await conn.rollback()
        except BaseException:
            discard = True
            if raise_errors:
                raise
        return False
    finally:
        await pool.release(conn.raw, discard=discard or conn.must_discard())


def batch(using: str | None = None) -> Batch:
    """Queue write-only statements and send them together at the end, in one transaction.

    ``async with vinyl_async.batch(using="default"):`` — see :mod:`vinyl_async.batch`.
    """
    return Batch(using)
