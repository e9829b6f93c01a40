"""vinyl in five minutes: a small library on embedded SQLite, in both flavors.

    nox -s demo        (or, with vinyl_async and vinyl_sync installed: python examples/demo.py)

No settings.py: vinyl_async.configure() sets Django up once. The models live in
examples/library/models.py (app label "library", from the package name) and declare
three managers: Django's ``objects``, vinyl_async's ``vinyl`` and vinyl_sync's ``sync``.
Every result is printed next to what Django's own manager gives for the same query.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Sum

import vinyl_async
import vinyl_sync

DATABASE = os.path.join(tempfile.mkdtemp(prefix="vinyl-demo-"), "library.sqlite3")
vinyl_async.configure(
    databases={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATABASE}}
)

from library.models import Author, Book  # noqa: E402  (models come after configure())

# -- printing ------------------------------------------------------------------------------


def heading(text: str) -> None:
    print(f"\n== {text} {'=' * max(3, 74 - len(text))}")


def compare(what: str, vinyl: Any, django: Any, statements: list[str] | None = None) -> None:
    """Print vinyl's result next to Django's result for the same query."""
    print(f"  {what}")
    print(f"    vinyl  -> {vinyl!r}")
    print(f"    Django -> {django!r}   {'(same)' if vinyl == django else '(DIFFERENT!)'}")
    if statements:
        print(f"    vinyl sent {len(statements)} statements: {', '.join(statements)}")


class Statements(list[str]):
    """The first word of every statement vinyl sends, while observed."""

    def __call__(self, alias: str, sql: str, params: Any) -> None:
        self.append(sql.split(None, 1)[0].upper())


def titles(books: Iterable[Book]) -> list[str]:
    return [book.title for book in books]


# -- vinyl_async: run with asyncio ----------------------------------------------------------


async def async_demo() -> None:
    heading("vinyl_async: tables from Django's schema editor SQL")
    await vinyl_async.create_tables(Author, Book)
    print("  await vinyl_async.create_tables(Author, Book)")

    heading("writes in one transaction; on_commit runs after COMMIT")
    async with vinyl_async.atomic():
        asimov = await Author.vinyl.create(name="Isaac Asimov")
        le_guin = await Author.vinyl.create(name="Ursula K. Le Guin")
        await Book.vinyl.bulk_create(
            [
                Book(title="I, Robot", year=1950, author=asimov),
                Book(title="Foundation", year=1951, author=asimov),
                Book(title="The Left Hand of Darkness", year=1969, author=le_guin),
                Book(title="The Dispossessed", year=1974, author=le_guin),
            ]
        )
        await vinyl_async.on_commit(lambda: print("  on_commit: 2 authors and 4 books saved"))
        print("  inside atomic(): not committed yet")
    try:
        async with vinyl_async.atomic():
            await Book.vinyl.create(title="Nemesis", year=1989, author=asimov)
            raise RuntimeError("changed my mind")
    except RuntimeError:
        print(f"  an exception inside atomic() rolls back: {await Book.vinyl.count()} books")

    heading("reads, next to Django's own async API (Book.objects.aget, async for)")
    compare(
        "await Book.vinyl.filter(year__lt=1960).order_by('year')",
        titles(await Book.vinyl.filter(year__lt=1960).order_by("year")),
        titles([b async for b in Book.objects.filter(year__lt=1960).order_by("year")]),
    )
    compare(
        "(await Book.vinyl.get(title='Foundation')).year",
        (await Book.vinyl.get(title="Foundation")).year,
        (await Book.objects.aget(title="Foundation")).year,
    )
    compare(
        "Author.vinyl.annotate(n=Count('books')).values_list('name', 'n')",
        [r async for r in Author.vinyl.annotate(n=Count("books")).values_list("name", "n")],
        [r async for r in Author.objects.annotate(n=Count("books")).values_list("name", "n")],
    )

    heading("relations are fetched by the query, never lazily")
    with vinyl_async.observe_statements(sent := Statements()):
        books = await Book.vinyl.select_related("author").order_by("year")
    compare(
        "select_related('author'), then book['author']",
        [(b.title, b["author"].name) for b in books][:2],
        [(b.title, b.author.name) async for b in Book.objects.select_related("author")][:2],
        sent,
    )
    with vinyl_async.observe_statements(sent := Statements()):
        authors = await Author.vinyl.prefetch_related("books").order_by("name")
    compare(
        "prefetch_related('books'), then author['books']",
        [(a.name, titles(a["books"])) for a in authors],
        [
            (a.name, titles(a.books.all()))
            async for a in Author.objects.prefetch_related("books").order_by("name")
        ],
        sent,
    )
    try:
        (await Book.vinyl.get(title="Foundation"))["author"]
    except vinyl_async.NotFetched as exc:
        print(f"  without select_related: NotFetched: {exc}")

    heading("batch(): write-only statements sent together, in one transaction")
    with vinyl_async.observe_statements(sent := Statements()):
        async with vinyl_async.batch():
            await Book.vinyl.filter(year__lt=1960).update(copies=3)
            await Book.vinyl.filter(author=le_guin).update(copies=2)
            await Book.vinyl.filter(title="The Dispossessed").delete()
    compare(
        "copies per book after the batch",
        [r async for r in Book.vinyl.order_by("year").values_list("title", "copies")],
        [r async for r in Book.objects.order_by("year").values_list("title", "copies")],
        sent,
    )

    await vinyl_async.close_pools()  # in an application: its shutdown hook


# -- vinyl_sync: the same API without await ------------------------------------------------


def sync_demo() -> None:
    heading("vinyl_sync: the same API, no await")
    with vinyl_sync.atomic():
        herbert = Author.sync.create(name="Frank Herbert")
        Book.sync.create(title="Dune", year=1965, author=herbert)
        vinyl_sync.on_commit(lambda: print("  on_commit: Dune saved"))
    compare(
        "Book.sync.filter(year__gt=1960).order_by('year')",
        titles(Book.sync.filter(year__gt=1960).order_by("year")),
        titles(Book.objects.filter(year__gt=1960).order_by("year")),
    )
    with vinyl_sync.observe_statements(sent := Statements()):
        authors = list(Author.sync.prefetch_related("books").order_by("name"))
    compare(
        "prefetch_related('books'), then author['books']",
        [(a.name, len(a["books"])) for a in authors],
        [
            (a.name, len(a.books.all()))
            for a in Author.objects.prefetch_related("books").order_by("name")
        ],
        sent,
    )
    with vinyl_sync.observe_statements(sent := Statements()):
        with vinyl_sync.batch():
            Book.sync.filter(title="Dune").update(copies=5)
            Author.sync.filter(name="Frank Herbert").update(name="Frank Patrick Herbert")
    compare(
        "after the batch: total copies, and Herbert's full name",
        (Book.sync.aggregate(n=Sum("copies")), Author.sync.get(pk=herbert.pk).name),
        (Book.objects.aggregate(n=Sum("copies")), Author.objects.get(pk=herbert.pk).name),
        sent,
    )


if __name__ == "__main__":
    asyncio.run(async_demo())
    sync_demo()
    os.remove(DATABASE)
    print(
        f"\nvinyl_async {vinyl_async.__version__} and vinyl_sync {vinyl_sync.__version__}: done."
    )
