from __future__ import annotations

from typing import Any


class Cursor:
    """A cursor usable with ``async with`` and ``async for``."""

    async def __aenter__(self) -> Cursor:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    def __aiter__(self) -> Cursor:
        return self

    async def __anext__(self) -> Any:
        row = await self.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    def __await__(self):
        return self._fetch_all().__await__()

    async def _fetch_all(self) -> list[Any]:
        return [row async for row in self]


class Wrapper(Cursor):
    async def __aenter__(self) -> Wrapper:
        await super().__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await super().__aexit__(*exc_info)


async def by_hand(cursor: Cursor) -> Any:
    manager = type(cursor).__aenter__
    iterator = cursor.__aiter__()
    return manager, await iterator.__anext__()


class OnlyAwaitable:
    def __await__(self):
        yield
