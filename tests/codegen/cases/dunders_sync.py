# generated from src/vinyl_async/dunders.py by codegen — do not edit

from __future__ import annotations

from typing import Any


class Cursor:
    """A cursor usable with ``with`` and ``for``."""

    def __enter__(self) -> Cursor:
        self.open()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __iter__(self) -> Cursor:
        return self

    def __next__(self) -> Any:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def _fetch_all(self) -> list[Any]:
        return [row for row in self]


class Wrapper(Cursor):
    def __enter__(self) -> Wrapper:
        super().__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        super().__exit__(*exc_info)


def by_hand(cursor: Cursor) -> Any:
    manager = type(cursor).__enter__
    iterator = cursor.__iter__()
    return manager, iterator.__next__()


class OnlyAwaitable:
    pass
