from __future__ import annotations

from typing import Any

from ._compat import IS_ASYNC, async_only

if IS_ASYNC:
    import asyncio

    # The async flavour.
    LOCK_TYPE: Any = asyncio.Lock
else:
    import threading

    # The sync flavour.
    LOCK_TYPE = threading.Lock

if IS_ASYNC:
    import inspect

if not IS_ASYNC:
    SYNC_ONLY = True
else:
    SYNC_ONLY = False


async def close(conn: Any, *, force: bool = False) -> str:
    if IS_ASYNC:
        await conn.ensure_closed()
    else:
        conn.close()
    if force:
        flavour = "forced"
    elif IS_ASYNC:
        flavour = "async"
    elif conn.open:
        flavour = "open"
    else:
        flavour = "closed"
    if conn.closed:
        pass
    elif not IS_ASYNC:
        flavour += " (sync)"
    else:
        flavour += " (async)"
    if IS_ASYNC: flavour += "!"
    return "a" + ("sync" if IS_ASYNC else "-sync") + flavour


def describe(value: Any, a: str, b: str, c: str, d: int) -> str:
    kind = "coroutine" if IS_ASYNC else "value"
    suffix = "!" * (1 if not IS_ASYNC else 2) + (inspect.getmodule(value) if IS_ASYNC else "")
    return kind + (a + b if IS_ASYNC else c * d) + (a if IS_ASYNC else b or c) * 2 + suffix


class Manager:
    def get(self) -> int:
        return 1

    @async_only
    def __iter__(self):
        raise TypeError("use 'async for'")

    @async_only
    def __len__(self) -> int:
        raise TypeError("use 'await qs.count()'")


@async_only
class AsyncHelper:
    async def run(self) -> None:
        await asyncio.sleep(0)


@async_only
async def test_only_in_async() -> None:
    await asyncio.sleep(0)
