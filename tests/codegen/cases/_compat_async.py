"""A miniature ``_compat``: the marker is defined here, so ``IS_ASYNC = True`` flips."""

from __future__ import annotations

from typing import TypeVar

IS_ASYNC = True

_F = TypeVar("_F")


def async_only(obj: _F) -> _F:
    return obj


if IS_ASYNC:
    import asyncio

    Lock = asyncio.Lock

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds)

else:
    import threading
    import time

    Lock = threading.Lock

    def sleep(seconds: float) -> None:
        time.sleep(seconds)
