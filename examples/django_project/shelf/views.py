"""Views: async ones on vinyl_async (no sync_to_async anywhere), sync ones on vinyl_sync."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

import vinyl_async

from .models import Author, Book


def book_json(book: Book) -> dict[str, Any]:
    return {"id": book.pk, "title": book.title, "year": book.year, "author": book["author"].name}


@csrf_exempt
@require_http_methods(["GET", "POST"])
async def books_async(request: HttpRequest) -> HttpResponse:
    """GET: every book with its author. POST {"title", "year", "author"}: add a book."""
    if request.method == "POST":
        data = json.loads(request.body)
        async with vinyl_async.atomic():
            author, _created = await Author.vinyl.get_or_create(name=data["author"])
            book = await Book.vinyl.create(title=data["title"], year=data["year"], author=author)
        return JsonResponse(book_json(book), status=201)
    books = await Book.vinyl.select_related("author").order_by("year", "title")
    return JsonResponse({"books": [book_json(book) for book in books]})


async def book_async(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        book = await Book.vinyl.select_related("author").get(pk=pk)
    except Book.DoesNotExist:
        return JsonResponse({"error": "no such book"}, status=404)
    return JsonResponse(book_json(book))


def authors_sync(request: HttpRequest) -> HttpResponse:
    """Authors with their books, read through vinyl_sync and through Django's ORM."""
    authors = Author.sync.prefetch_related("books").order_by("name")
    through_django = Author.objects.prefetch_related("books").order_by("name")
    return JsonResponse(
        {
            "vinyl_sync": [
                {"name": a.name, "books": sorted(b.title for b in a["books"])} for a in authors
            ],
            "objects": [
                {"name": a.name, "books": sorted(b.title for b in a.books.all())}
                for a in through_django
            ],
        }
    )
