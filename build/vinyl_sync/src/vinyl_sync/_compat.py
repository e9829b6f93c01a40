# generated from src/vinyl_async/_compat.py by codegen — do not edit

"""The few primitives that differ between vinyl_sync and its generated sync twin.

Everything else in the package is written once (async) and transformed by ``codegen``.
``IS_ASYNC`` is a real constant here: ``if IS_ASYNC: A else: B`` runs ``A`` in this
package, and codegen keeps only ``B`` in vinyl_sync.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

IS_ASYNC = False

_F = TypeVar("_F")


def async_only(obj: _F) -> _F:
    """Mark a function, class or test that exists only in the async package.

    codegen drops the decorated definition from the sync output.
    """
    return obj


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
