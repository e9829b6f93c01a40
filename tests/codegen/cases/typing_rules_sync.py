# generated from src/vinyl_async/typing_rules.py by codegen — do not edit

from __future__ import annotations

import collections.abc
import typing
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Iterator, Literal, TypeVar

if TYPE_CHECKING:
    from .query import QuerySet

T = TypeVar("T")


def rows(qs: QuerySet[T]) -> Iterator[T]:
    for row in qs:
        yield row


def pairs(source: Iterable[T]) -> Generator[tuple[T, T], None, None]:
    for item in source:
        yield item, item


def short(source: Iterable[T]) -> Generator[T, None, None]:
    for item in source:
        yield item


def callback(fn: Callable[[], T | None]) -> Callable[..., T]:
    return fn


def qualified(
    a: typing.Iterator[int],
    b: collections.abc.Iterable[int],
    c: int,
    d: str,
    e: typing.Generator[int, None, None],
) -> None:
    pass


def strings(
    a: "Iterator[QuerySet[T]]",
    b: "list[T]",
    c: list["Iterable[int]"],
    mode: Literal["async", "AsyncMode"] = "async",
) -> "Generator[int, None, None]":
    x: "Iterator[int] | None" = None
    return x
