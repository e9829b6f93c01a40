"""The few primitives that differ between vinyl_async and its generated sync twin.

Everything else in the package is written once (async) and transformed by ``codegen``.
``IS_ASYNC`` is a real constant here: ``if IS_ASYNC: A else: B`` runs ``A`` in this
package, and codegen keeps only ``B`` in vinyl_sync.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

IS_ASYNC = True

_F = TypeVar("_F")


def async_only(obj: _F) -> _F:
    """Mark a function, class or test that exists only in the async package.

    codegen drops the decorated definition from the sync output.
    """
    return obj


if IS_ASYNC:
    import asyncio
    import inspect
    import types

    Lock = asyncio.Lock
    Condition = asyncio.Condition
    Event = asyncio.Event
    CancelledError = asyncio.CancelledError

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def wait_condition(cond: asyncio.Condition, timeout: float) -> bool:
        """Wait on *cond* (held by the caller) up to *timeout* seconds; False on timeout."""
        try:
            await asyncio.wait_for(cond.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def current_task_id() -> int:
        """Identity of the running task (the unit that owns a connection)."""
        return id(asyncio.current_task())

    def current_task() -> Any:
        """The running task: the unit that owns a transaction's connection.

        Compared by identity (``is``), never by ``id()``: a finished task's id can be
        reused by a task created later.
        """
        return asyncio.current_task()

    def running_loop() -> Any:
        """The running event loop: pools and connections belong to one loop."""
        return asyncio.get_running_loop()

    async def shield(awaitable: Any) -> Any:
        """Run *awaitable* to the end even if the calling task is cancelled meanwhile.

        Used for clean-up that must not stop half-way (COMMIT/ROLLBACK, giving a
        connection back to its pool). A cancellation that arrives meanwhile is
        held back until *awaitable* has finished, then re-raised, so when a
        cancelled task ends its connection is already back in the pool. If
        *awaitable* fails while a cancellation is pending, the cancellation is
        raised (the failure is its ``__context__``).
        """
        if inspect.iscoroutine(awaitable):
            # Fast path: run it here up to its first suspension. Code that runs
            # without suspending cannot be interrupted (a cancellation is delivered
            # only where a task suspends), so a clean-up that finishes at once (a
            # pool release with no I/O) costs no task and no event-loop turn.
            try:
                first = awaitable.send(None)
            except StopIteration as done:
                return done.value
            inner = asyncio.ensure_future(_resume(awaitable, first))
        else:
            inner = asyncio.ensure_future(awaitable)
        cancelled: BaseException | None = None
        while True:
            try:
                result = await asyncio.shield(inner)
            except asyncio.CancelledError as exc:
                if not inner.done():
                    cancelled = exc  # the caller was cancelled: keep waiting
                    continue
                raise cancelled or exc from None
            except BaseException:
                if cancelled is not None:
                    raise cancelled  # noqa: B904  (the failure stays as __context__)
                raise
            if cancelled is not None:
                raise cancelled
            return result

    @types.coroutine
    def _resume_steps(coro: Any, first: Any) -> Any:
        """Drive *coro*, suspended at *first*, to its end (the rest of a coroutine)."""
        to_yield = first
        while True:
            try:
                sent = yield to_yield
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:
                try:
                    to_yield = coro.throw(exc)
                except StopIteration as done:
                    return done.value
                continue
            try:
                to_yield = coro.send(sent)
            except StopIteration as done:
                return done.value

    async def _resume(coro: Any, first: Any) -> Any:
        return await _resume_steps(coro, first)

    async def call_maybe_async(fn: Callable[[], Any]) -> Any:
        """Call *fn*; await the result if it is awaitable (on_commit accepts both)."""
        result = fn()
        if inspect.isawaitable(result):
            result = await result
        return result

else:
    import threading
    import time

    Lock = threading.Lock
    Condition = threading.Condition
    Event = threading.Event

    class CancelledError(BaseException):  # never raised: threads are not cancelled
        pass

    def sleep(seconds: float) -> None:
        time.sleep(seconds)

    def wait_condition(cond: threading.Condition, timeout: float) -> bool:
        """Wait on *cond* (held by the caller) up to *timeout* seconds; False on timeout."""
        return cond.wait(timeout)

    def current_task_id() -> int:
        """Identity of the running thread (the unit that owns a connection)."""
        return threading.get_ident()

    def current_task() -> Any:
        """The running thread: the unit that owns a transaction's connection."""
        return threading.current_thread()

    class _Process:
        """Stands in for the event loop: a sync process shares pools across threads."""

    _PROCESS = _Process()

    def running_loop() -> Any:
        return _PROCESS

    def shield(value: Any) -> Any:
        return value

    def call_maybe_async(fn: Callable[[], Any]) -> Any:
        return fn()
