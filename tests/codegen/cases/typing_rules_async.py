from __future__ import annotations

import collections.abc
import typing
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, AsyncIterator, Literal, TypeVar

if TYPE_CHECKING:
    from .query import QuerySet

T = TypeVar("T")


async def rows(qs: QuerySet[T]) -> AsyncIterator[T]:
    async for row in qs:
        yield row


async def pairs(source: AsyncIterable[T]) -> AsyncGenerator[tuple[T, T], None]:
    async for item in source:
        yield item, item


async def short(source: AsyncIterable[T]) -> AsyncGenerator[T]:
    async for item in source:
        yield item


def callback(fn: Callable[[], Awaitable[T | None]]) -> Callable[..., Coroutine[Any, Any, T]]:
    return fn


def qualified(
    a: typing.AsyncIterator[int],
    b: collections.abc.AsyncIterable[int],
    c: typing.Awaitable[int],
    d: collections.abc.Coroutine[None, None, str],
    e: typing.AsyncGenerator[int, None],
) -> None:
    pass


def strings(
    a: "AsyncIterator[QuerySet[T]]",
    b: "Awaitable[list[T]]",
    c: list["AsyncIterable[int]"],
    mode: Literal["async", "AsyncMode"] = "async",
) -> "Coroutine[Any, Any, AsyncGenerator[int, None]]":
    x: "AsyncIterator[int] | None" = None
    return x
