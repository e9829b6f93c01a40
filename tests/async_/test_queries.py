"""Reading through ``M.vinyl`` gives what Django's ``M.objects`` gives, on the same rows."""

import datetime
import decimal

import pytest
from django.db.models import Count, F, Q, Sum
from helpers import capture_statements, fetch, rows_of
from vinyltests.models import Author, Book, Publisher, Tag

from vinyl_async import QuerySet


@pytest.fixture
def library(db):
    """A small library written through Django (the reference implementation)."""
    penguin = Publisher.objects.create(name="Penguin", country="UK")
    tor = Publisher.objects.create(name="Tor", country="US")
    ann = Author.objects.create(name="Ann", age=34, email="ann@example.com")
    bob = Author.objects.create(name="Bob", age=51, mentor=ann)
    cy = Author.objects.create(name="Cy", age=None, mentor=ann)
    tags = [Tag.objects.create(name=n) for n in ("sf", "classic", "short")]
    specs = [
        (
            "Dune",
            ann,
            tor,
            412,
            "9.99",
            4.5,
            datetime.date(1965, 8, 1),
            {"series": "dune", "n": 1},
        ),
        ("Emma", bob, penguin, 300, "7.50", 3.9, datetime.date(1815, 12, 23), {"n": 2}),
        ("Ubik", cy, None, 202, "5.00", None, datetime.date(1969, 5, 1), {}),
        ("Hyperion", ann, tor, 482, "12.00", 4.2, None, {"series": "cantos", "n": 1}),
        ("Persuasion", bob, penguin, 249, "6.25", 4.0, datetime.date(1817, 12, 20), {"n": None}),
        ("Solaris", cy, tor, 204, "8.00", 4.1, datetime.date(1961, 1, 1), {"tags": ["pl", "sf"]}),
    ]
    books = []
    for title, author, publisher, pages, price, rating, published, metadata in specs:
        books.append(
            Book.objects.create(
                title=title,
                author=author,
                publisher=publisher,
                pages=pages,
                price=decimal.Decimal(price),
                rating=rating,
                published=published,
                metadata=metadata,
            )
        )
    books[0].tags.set([tags[0]])
    books[2].tags.set([tags[0], tags[2]])
    books[1].tags.set([tags[1]])
    return {"ann": ann, "bob": bob, "cy": cy, "books": books, "tags": tags}


BOOK_QUERIES = {
    "all": lambda m: m.all().order_by("id"),
    "filter_exact": lambda m: m.filter(title="Dune"),
    "filter_icontains": lambda m: m.filter(title__icontains="o").order_by("title"),
    "filter_startswith": lambda m: m.filter(title__startswith="P"),
    "filter_gt_lt": lambda m: m.filter(pages__gt=210, pages__lt=450).order_by("pages"),
    "filter_in": lambda m: m.filter(pages__in=[202, 204, 999]).order_by("-pages"),
    "filter_range": lambda m: m.filter(
        price__range=(decimal.Decimal("6"), decimal.Decimal("9"))
    ).order_by("price"),
    "filter_isnull": lambda m: m.filter(rating__isnull=True),
    "filter_null_fk": lambda m: m.filter(publisher__isnull=True),
    "exclude": lambda m: m.exclude(author__name="Ann").order_by("title"),
    "q_or": lambda m: m.filter(Q(pages__lt=210) | Q(title="Emma")).order_by("id"),
    "q_not": lambda m: m.filter(~Q(author__name="Bob")).order_by("-id"),
    "f_expression": lambda m: m.filter(pages__gt=F("price") * 40).order_by("id"),
    "across_fk": lambda m: m.filter(author__age__gte=40).order_by("title"),
    "across_two_fks": lambda m: m.filter(author__mentor__name="Ann").order_by("title"),
    "across_m2m": lambda m: m.filter(tags__name="sf").order_by("title"),
    "distinct_m2m": lambda m: (
        m.filter(tags__name__in=["sf", "short"]).distinct().order_by("title")
    ),
    "date_year": lambda m: m.filter(published__year__lt=1900).order_by("published"),
    "date_month": lambda m: m.filter(published__month=12).order_by("title"),
    "order_multi": lambda m: m.order_by("author__name", "-pages"),
    "order_nulls_last": lambda m: m.order_by(F("rating").desc(nulls_last=True), "id"),
    "slice": lambda m: m.order_by("title")[1:4],
    "slice_offset_only": lambda m: m.order_by("title")[4:],
    "reverse": lambda m: m.order_by("title").reverse(),
    "json_key": lambda m: m.filter(metadata__series="dune"),
    "json_has_key": lambda m: m.filter(metadata__has_key="series").order_by("id"),
    "annotate_count": lambda m: m.annotate(n_tags=Count("tags")).order_by("-n_tags", "id"),
    "select_related": lambda m: m.select_related("author", "publisher").order_by("id"),
    "only": lambda m: m.only("title").order_by("id"),
    "defer": lambda m: m.defer("metadata", "price").order_by("id"),
    "none": lambda m: m.none(),
    "empty_in": lambda m: m.filter(pk__in=[]),
}


@pytest.mark.parametrize("name", sorted(BOOK_QUERIES))
async def test_books_query_matches_django(library, name):
    query = BOOK_QUERIES[name]
    expected = list(query(Book.objects))
    got = await fetch(query(Book.vinyl))
    assert rows_of(got) == rows_of(expected)
    assert all(isinstance(obj, Book) for obj in got)


VALUE_QUERIES = {
    "values": lambda m: m.values("title", "author__name").order_by("id"),
    "values_list": lambda m: m.values_list("title", "pages").order_by("pages"),
    "values_list_flat": lambda m: m.values_list("title", flat=True).order_by("-title"),
    "values_list_named": lambda m: m.values_list("title", "price", named=True).order_by("id"),
    "values_annotate": lambda m: (
        m.values("author__name").annotate(total=Sum("pages")).order_by("author__name")
    ),
    "dates": lambda m: m.dates("published", "year"),
    "distinct_values": lambda m: (
        m.values_list("publisher__country", flat=True).distinct().order_by("publisher__country")
    ),
}


@pytest.mark.parametrize("name", sorted(VALUE_QUERIES))
async def test_values_query_matches_django(library, name):
    query = VALUE_QUERIES[name]
    expected = list(query(Book.objects))
    got = await fetch(query(Book.vinyl))
    assert got == expected


async def test_terminal_methods_match_django(library):
    assert await Book.vinyl.count() == Book.objects.count()
    assert (
        await Book.vinyl.filter(pages__gt=300).count()
        == Book.objects.filter(pages__gt=300).count()
    )
    assert await Book.vinyl.filter(title="Nope").exists() is False
    assert await Book.vinyl.filter(title="Dune").exists() is True
    assert await Book.vinyl.aggregate(Sum("pages"), n=Count("id")) == Book.objects.aggregate(
        Sum("pages"), n=Count("id")
    )
    assert await Book.vinyl.filter(title="Nope").aggregate(s=Sum("pages")) == {"s": None}
    assert (await Book.vinyl.order_by("pages").first()).title == "Ubik"
    assert (await Book.vinyl.order_by("pages").last()).title == "Hyperion"
    assert await Book.vinyl.filter(title="Nope").first() is None
    assert (await Book.vinyl.earliest("published")).title == Book.objects.earliest(
        "published"
    ).title
    assert (await Book.vinyl.latest("pages")).title == Book.objects.latest("pages").title
    in_bulk = await Book.vinyl.in_bulk([library["books"][0].pk, library["books"][1].pk])
    assert in_bulk == Book.objects.in_bulk([library["books"][0].pk, library["books"][1].pk])
    assert await Book.vinyl.contains(library["books"][0]) is True
    assert await Book.vinyl.filter(title="Emma").contains(library["books"][0]) is False


async def test_get_raises_djangos_errors(library):
    dune = await Book.vinyl.get(title="Dune")
    assert dune == library["books"][0]
    with pytest.raises(Book.DoesNotExist, match="^Book matching query does not exist.$"):
        await Book.vinyl.get(title="Nope")
    with pytest.raises(Book.MultipleObjectsReturned, match="it returned 6!"):
        await Book.vinyl.get()


async def test_get_fetches_at_most_21_rows(db):
    author = Author.objects.create(name="Prolific")
    Book.objects.bulk_create([Book(title=f"b{i}", author=author) for i in range(30)])
    with pytest.raises(Book.MultipleObjectsReturned, match="it returned more than 20!"):
        await Book.vinyl.get(author=author)


async def test_instances_are_vinyl_twins_of_the_model(library):
    book = await Book.vinyl.select_related("author").get(title="Dune")
    assert type(book) is Book.vinyl.model
    assert type(book) is not Book
    assert isinstance(book, Book)
    assert type(book).__name__ == "Book"
    assert book == Book.objects.get(title="Dune")
    assert hash(book) == hash(Book.objects.get(title="Dune"))
    assert type(book["author"]) is Author.vinyl.model


async def test_index_and_stepped_slice(library):
    ordered = list(Book.objects.order_by("title"))
    assert await Book.vinyl.order_by("title")[2] == ordered[2]
    assert await fetch(Book.vinyl.order_by("title")[0:5:2]) == ordered[0:5:2]
    with pytest.raises(IndexError):
        await Book.vinyl.order_by("title")[50]
    with pytest.raises(ValueError, match="Negative indexing is not supported."):
        Book.vinyl.all()[-1]


async def test_awaiting_twice_queries_once(library):
    queryset = Book.vinyl.filter(pages__gt=250)
    with capture_statements() as log:
        first = await fetch(queryset)
        second = await fetch(queryset)
    assert first == second
    assert log.count == 1


async def test_query_is_printable_before_fetching(library):
    queryset = Book.vinyl.filter(title="Dune")
    assert "WHERE" in str(queryset.query)
    assert isinstance(queryset, QuerySet)


async def test_filter_on_unknown_field_raises_field_error(library):
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError, match="Cannot resolve keyword 'nope' into field"):
        await fetch(Book.vinyl.filter(nope=1))


async def test_async_iteration(library):
    titles = []
    async for book in Book.vinyl.order_by("-title")[:3]:
        titles.append(book.title)
    assert titles == list(Book.objects.order_by("-title").values_list("title", flat=True)[:3])
