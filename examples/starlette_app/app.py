"""A Starlette service on vinyl_async: no settings.py, the database from DATABASE_URL.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test uvicorn starlette_app.app:app

(run from examples/; ``sqlite:///path/to/file.sqlite3`` works too). Endpoints:

    GET  /books[?author=NAME]   books with their author (select_related)
    POST /books                 {"title", "year", "author"}: the author is created if new
    GET  /authors/{id}          an author with the titles of their books (prefetch_related)
    GET  /stats                 counts and the year range (aggregate)
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import vinyl_async


def database_from_url(url: str) -> dict[str, Any]:
    """Django's DATABASES entry for a postgresql:// or sqlite:/// URL."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parts.path)}
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL: use postgresql:// or sqlite:///, not {url!r}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": str(parts.port or 5432),
        "VINYL": {"pool": {"min_size": 1, "max_size": 10}},
    }


# Once, before any model is imported.
vinyl_async.configure(
    databases={"default": database_from_url(os.environ["DATABASE_URL"])},
    time_zone="UTC",
)

from django.db import DatabaseError  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from .models import Author, Book  # noqa: E402


def book_json(book: Book) -> dict[str, Any]:
    return {"id": book.pk, "title": book.title, "year": book.year, "author": book["author"].name}


async def list_books(request: Request) -> JSONResponse:
    books = Book.vinyl.select_related("author").order_by("year", "title")
    if "author" in request.query_params:
        books = books.filter(author__name=request.query_params["author"])
    return JSONResponse([book_json(book) for book in await books])


async def create_book(request: Request) -> JSONResponse:
    data = await request.json()
    async with vinyl_async.atomic():  # both rows or neither
        author, _created = await Author.vinyl.get_or_create(name=data["author"])
        book = await Book.vinyl.create(title=data["title"], year=data["year"], author=author)
    return JSONResponse(book_json(book), status_code=201)


async def get_author(request: Request) -> JSONResponse:
    try:
        author = await Author.vinyl.prefetch_related("books").get(pk=request.path_params["id"])
    except Author.DoesNotExist:
        return JSONResponse({"error": "no such author"}, status_code=404)
    titles = sorted(book.title for book in author["books"])
    return JSONResponse({"id": author.pk, "name": author.name, "books": titles})


async def stats(request: Request) -> JSONResponse:
    years = await Book.vinyl.aggregate(first=Min("year"), last=Max("year"))
    busiest = await Author.vinyl.annotate(n=Count("books")).order_by("-n", "name").first()
    return JSONResponse(
        {
            "authors": await Author.vinyl.count(),
            "books": await Book.vinyl.count(),
            "years": [years["first"], years["last"]],
            "most_books": busiest.name if busiest else None,
        }
    )


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    # A real service would run migrations; this one creates its tables if they are missing.
    try:
        await Book.vinyl.exists()
    except DatabaseError:
        await vinyl_async.create_tables(Author, Book)
    yield
    await vinyl_async.close_pools()


app = Starlette(
    routes=[
        Route("/books", list_books, methods=["GET"]),
        Route("/books", create_book, methods=["POST"]),
        Route("/authors/{id:int}", get_author),
        Route("/stats", stats),
    ],
    lifespan=lifespan,
)
