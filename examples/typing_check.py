"""Static checks of vinyl's types: `mypy` (run from examples/, see mypy.ini) must pass.

Nothing here runs; ``assert_type`` makes mypy fail if a type is not the expected one.
Querysets of ``M.vinyl`` are generic in the model, so results type as the model.
"""

from __future__ import annotations

from typing import Any, assert_type

from django.db.models import Count
from library.models import Author, Book

import vinyl_async
import vinyl_sync


async def async_flavor() -> None:
    assert_type(Book.vinyl, vinyl_async.manager.Manager[Book])
    assert_type(await Book.vinyl.get(pk=1), Book)
    assert_type(await Book.vinyl.filter(year=1951).get(), Book)
    assert_type(Book.vinyl.filter(year=1951).order_by("title"), vinyl_async.QuerySet[Book])
    assert_type(await Book.vinyl.filter(year=1951), list[Book])
    assert_type(await Book.vinyl.select_related("author").first(), Book | None)
    assert_type(await Book.vinyl.count(), int)
    assert_type(await Book.vinyl.exists(), bool)
    assert_type(await Author.vinyl.create(name="Ann"), Author)
    assert_type(await Author.vinyl.get_or_create(name="Ann"), tuple[Author, bool])
    assert_type(await Author.vinyl.in_bulk([1, 2]), dict[Any, Author])
    async for book in Book.vinyl.filter(year__gt=1950):
        assert_type(book, Book)
        assert_type(book.title, str)
    async for author in Author.vinyl.iterator():
        assert_type(author, Author)
    async for name, n in Author.vinyl.all().annotate(n=Count("books")).values_list("name", "n"):
        assert_type(name, str)
        assert_type(n, int)
    book = await Book.vinyl.get(pk=1)
    _ = book.vinyl  # type: ignore[arg-type]  # like Django's managers: not reachable from instances


def sync_flavor() -> None:
    assert_type(Book.sync.get(pk=1), Book)
    assert_type(Book.sync.filter(year=1951), vinyl_sync.QuerySet[Book])
    assert_type([b for b in Book.sync.filter(year=1951)], list[Book])
    assert_type(Book.sync.first(), Book | None)
    assert_type(Author.sync.create(name="Ann"), Author)
    for book in Book.sync.select_related("author"):
        assert_type(book, Book)
