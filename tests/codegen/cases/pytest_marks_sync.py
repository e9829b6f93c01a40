# generated from tests/async_/test_marks.py by codegen — do not edit

"""Tests of the async package."""

from __future__ import annotations

import pytest
from django.test import Client

from vinyl_sync import VinylManager

from .models import Book

pytestmark = [pytest.mark.django_db]


@pytest.fixture(scope="module")
def book() -> Book:
    return Book.vinyl.create(title="Dune")


@pytest.fixture
def client() -> Client:
    return Client()


def test_get(book: Book) -> None:
    assert Book.vinyl.get(pk=book.pk) == book


@pytest.mark.parametrize("title", ["Dune", "Emma"])
def test_filter(title: str) -> None:
    books = [b for b in Book.vinyl.filter(title=title)]
    assert len(books) <= 1
    assert isinstance(Book.vinyl, VinylManager)


class TestGroup:
    def test_count(self) -> None:
        expected = 0
        assert Book.vinyl.count() == expected
