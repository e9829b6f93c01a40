"""Tests of the async package."""

from __future__ import annotations

import pytest
import pytest_asyncio
from django.test import AsyncClient

from vinyl_async import VinylManager
from vinyl_async._compat import IS_ASYNC, async_only

from .models import Book

pytestmark = [pytest.mark.django_db, pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def book() -> Book:
    return await Book.vinyl.create(title="Dune")


@pytest_asyncio.fixture
async def client() -> AsyncClient:
    return AsyncClient()


@pytest.mark.asyncio
async def test_get(book: Book) -> None:
    assert await Book.vinyl.get(pk=book.pk) == book


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("title", ["Dune", "Emma"])
async def test_filter(title: str) -> None:
    books = [b async for b in Book.vinyl.filter(title=title)]
    assert len(books) <= 1
    assert isinstance(Book.vinyl, VinylManager)


@async_only
@pytest.mark.asyncio
async def test_plain_iteration_is_refused() -> None:
    with pytest.raises(TypeError):
        list(Book.vinyl.all())


@pytest.mark.asyncio
class TestGroup:
    async def test_count(self) -> None:
        expected = 0 if IS_ASYNC else 0
        assert await Book.vinyl.count() == expected
