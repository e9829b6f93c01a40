"""Django's "Making queries" and "Aggregation" documentation examples, ported to vinyl.

The examples use the docs' models (Blog/Author/Entry/EntryDetail/Dog and
Author/Publisher/Book/Store, here DocBlog/... and Agg...), with the related names
the docs use (``entry__headline``, ``blog.entry_set``, ``Count("book")``). Each one
runs through Django's ``objects`` and through ``vinyl``; results, caches and
statement counts must be equal.
"""

import datetime
import decimal

import pytest
from differential import compare_call, compare_query, django_side, vinyl_side
from django.db.models import (
    Avg,
    Count,
    F,
    FloatField,
    JSONField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KT
from helpers import capture_statements, fetch
from vinyltests.models import (
    AggAuthor,
    AggBook,
    AggPublisher,
    AggStore,
    DocAuthor,
    DocBlog,
    DocDog,
    DocEntry,
    DocEntryDetail,
)

from vinyl_async._compat import IS_ASYNC

Blog, Author, Entry, EntryDetail, Dog = DocBlog, DocAuthor, DocEntry, DocEntryDetail, DocDog


@pytest.fixture
def weblog(db):
    """Blogs, entries and authors as in the "Making queries" examples."""
    beatles = Blog.objects.create(name="Beatles Blog", tagline="All the latest Beatles news.")
    cheddar = Blog.objects.create(name="Cheddar Talk", tagline="Cheese, mostly.")
    pop = Blog.objects.create(name="Pop", tagline="Pop music.")
    Blog.objects.create(name="Quiet", tagline="")
    joe = Author.objects.create(name="Joe", email="joe@example.com")
    john = Author.objects.create(name="John", email="john@example.com")
    paul = Author.objects.create(name="Paul", email="paul@example.com")
    lennon = Author.objects.create(name="Lennon", email="lennon@example.com")
    pop_author = Author.objects.create(name="Pop", email="pop@example.com")
    Author.objects.create(name="Anonymous", email="")
    specs = [
        (
            beatles,
            "Lennon's lost tapes found",
            (2008, 3, 2),
            (2008, 3, 10),
            10,
            3,
            8,
            [lennon, paul],
        ),
        (beatles, "What's up with Lennon?", (2005, 3, 20), (2005, 3, 21), 2, 5, 4, [joe]),
        (beatles, "Paul's new album", (2008, 11, 1), (2008, 11, 1), 0, 0, 6, []),
        (cheddar, "Cat bites dog", (2006, 6, 15), (2006, 6, 25), 5, 1, 7, [joe, john]),
        (cheddar, "What a cheese", (2006, 1, 30), (2006, 2, 1), 30, 2, 9, [john]),
        (pop, "Lennon tribute: 100% live", (2007, 12, 8), (2007, 12, 9), 3, 3, 5, [lennon]),
        (pop, "Top_ten singles", (2005, 1, 31), (2005, 5, 6), 1, 4, 2, [paul, pop_author]),
        (pop, "Who sang that?", (2005, 5, 2), (2005, 5, 2), 7, 0, 3, [joe]),
    ]
    entries = []
    for blog, headline, pub, mod, comments, pingbacks, rating, authors in specs:
        entry = Entry.objects.create(
            blog=blog,
            headline=headline,
            body_text=f"Body of {headline}",
            pub_date=datetime.date(*pub),
            mod_date=datetime.date(*mod),
            number_of_comments=comments,
            number_of_pingbacks=pingbacks,
            rating=rating,
        )
        entry.authors.set(authors)
        entries.append(entry)
    EntryDetail.objects.create(entry=entries[0], details="Found in an attic.")
    EntryDetail.objects.create(entry=entries[3], details="The dog is fine.")
    Dog.objects.create(
        name="Rufus",
        data={"breed": "labrador", "owner": {"name": "Bob", "other_pets": [{"name": "Fishy"}]}},
    )
    Dog.objects.create(name="Meg", data={"breed": "collie", "owner": None})
    Dog.objects.create(name="Max", data=None)  # SQL NULL
    Dog.objects.create(name="Archie", data=Value(None, JSONField()))  # JSON null
    Dog.objects.create(name="Shep", data={"breed": "collie"})
    Dog.objects.create(
        name="Shep", data={"owner": {"name": "Bob"}, "breed": ["collie", "lhasa apso"]}
    )
    return {"blogs": {"beatles": beatles, "cheddar": cheddar, "pop": pop}, "entries": entries}


def _top_rating(s):
    return Subquery(
        s(Entry)
        .filter(pub_date__year=OuterRef("pub_date__year"))
        .order_by("-rating")
        .values("rating")[:1]
    )


MAKING_QUERIES = {
    # Retrieving objects / filters
    "all_entries": lambda s: s(Entry).all().order_by("id"),
    "filter_pub_year": lambda s: s(Entry).filter(pub_date__year=2006).order_by("id"),
    "exclude_pub_year": lambda s: s(Entry).exclude(pub_date__year=2006).order_by("id"),
    "chaining_filters": lambda s: (
        s(Entry)
        .filter(headline__startswith="What")
        .exclude(pub_date__gte=datetime.date.today())
        .filter(pub_date__gte=datetime.date(2005, 1, 30))
        .order_by("id")
    ),
    "filtered_querysets_are_unique": lambda s: (
        s(Entry)
        .filter(headline__startswith="What")
        .filter(pub_date__gte=datetime.date(2006, 1, 1))
        .order_by("id")
    ),
    # Limiting QuerySets
    "limit_first_five": lambda s: s(Entry).order_by("id")[:5],
    "limit_offset": lambda s: s(Entry).order_by("id")[5:10],
    "limit_order_headline": lambda s: s(Entry).order_by("headline")[0:1],
    # Field lookups
    "lookup_lte_string_date": lambda s: s(Entry).filter(pub_date__lte="2006-01-01").order_by("id"),
    "lookup_fk_id": lambda s: s(Entry).filter(blog_id=2).order_by("id"),
    "lookup_exact": lambda s: s(Entry).filter(headline__exact="Cat bites dog"),
    "lookup_iexact": lambda s: s(Blog).filter(name__iexact="beatles blog"),
    "lookup_contains": lambda s: s(Entry).filter(headline__contains="Lennon").order_by("id"),
    "lookup_icontains": lambda s: s(Entry).filter(headline__icontains="lennon").order_by("id"),
    "lookup_startswith": lambda s: s(Entry).filter(headline__startswith="What").order_by("id"),
    "lookup_endswith": lambda s: s(Entry).filter(headline__endswith="?").order_by("id"),
    # Lookups that span relationships
    "span_forward": lambda s: s(Entry).filter(blog__name="Beatles Blog").order_by("id"),
    "span_reverse": lambda s: (
        s(Blog).filter(entry__headline__contains="Lennon").distinct().order_by("id")
    ),
    "span_m2m": lambda s: s(Blog).filter(entry__authors__name="Lennon").order_by("id"),
    "span_isnull": lambda s: s(Blog).filter(entry__authors__name__isnull=True).order_by("id"),
    "span_isnull_both": lambda s: (
        s(Blog)
        .filter(entry__authors__isnull=False, entry__authors__name__isnull=True)
        .order_by("id")
    ),
    # Spanning multi-valued relationships
    "multi_valued_one_filter": lambda s: (
        s(Blog)
        .filter(entry__headline__contains="Lennon", entry__pub_date__year=2008)
        .order_by("id")
    ),
    "multi_valued_two_filters": lambda s: (
        s(Blog)
        .filter(entry__headline__contains="Lennon")
        .filter(entry__pub_date__year=2008)
        .order_by("id")
    ),
    "multi_valued_exclude": lambda s: (
        s(Blog)
        .exclude(entry__headline__contains="Lennon", entry__pub_date__year=2008)
        .order_by("id")
    ),
    "multi_valued_exclude_in": lambda s: (
        s(Blog)
        .exclude(entry__in=s(Entry).filter(headline__contains="Lennon", pub_date__year=2008))
        .order_by("id")
    ),
    # Filters can reference fields on the model (F)
    "f_comments_gt_pingbacks": lambda s: (
        s(Entry).filter(number_of_comments__gt=F("number_of_pingbacks")).order_by("id")
    ),
    "f_times_two": lambda s: (
        s(Entry).filter(number_of_comments__gt=F("number_of_pingbacks") * 2).order_by("id")
    ),
    "f_sum": lambda s: (
        s(Entry)
        .filter(rating__lt=F("number_of_comments") + F("number_of_pingbacks"))
        .order_by("id")
    ),
    "f_across_relations": lambda s: s(Entry).filter(authors__name=F("blog__name")).order_by("id"),
    "f_timedelta": lambda s: (
        s(Entry).filter(mod_date__gt=F("pub_date") + datetime.timedelta(days=3)).order_by("id")
    ),
    "f_bitand": lambda s: (
        s(Entry).filter(rating__gt=F("number_of_comments").bitand(3)).order_by("id")
    ),
    # Expressions can reference transforms
    "transform_in_f": lambda s: s(Entry).filter(pub_date__year=F("mod_date__year")).order_by("id"),
    "transform_values_subquery": lambda s: (
        s(Entry)
        .values("pub_date__year")
        .annotate(top_rating=_top_rating(s), total_comments=Sum("number_of_comments"))
        .order_by("pub_date__year")
    ),
    # The pk lookup shortcut
    "pk_in": lambda s: s(Blog).filter(pk__in=[1, 4, 7]).order_by("id"),
    "pk_gt": lambda s: s(Blog).filter(pk__gt=2).order_by("id"),
    "pk_across_join_exact": lambda s: s(Entry).filter(blog__id__exact=3).order_by("id"),
    "pk_across_join": lambda s: s(Entry).filter(blog__id=3).order_by("id"),
    "pk_across_join_pk": lambda s: s(Entry).filter(blog__pk=3).order_by("id"),
    # Escaping percent signs and underscores in LIKE statements
    "escape_percent": lambda s: s(Entry).filter(headline__contains="%"),
    "escape_underscore": lambda s: s(Entry).filter(headline__contains="_"),
    # Querying JSONField
    "json_key": lambda s: s(Dog).filter(data__breed="collie").order_by("id"),
    "json_nested": lambda s: s(Dog).filter(data__owner__name="Bob").order_by("id"),
    "json_array_index": lambda s: s(Dog).filter(data__owner__other_pets__0__name="Fishy"),
    "json_key_none": lambda s: s(Dog).filter(data__owner=None).order_by("id"),
    "json_key_isnull": lambda s: s(Dog).filter(data__owner__isnull=True).order_by("id"),
    "json_null": lambda s: s(Dog).filter(data=None).order_by("id"),
    "json_sql_null": lambda s: s(Dog).filter(data__isnull=True).order_by("id"),
    "json_kt": lambda s: (
        s(Dog)
        .annotate(first_breed=KT("data__breed__1"), owner_name=KT("data__owner__name"))
        .filter(first_breed__startswith="lhasa", owner_name="Bob")
    ),
    "json_contains": lambda s: (
        s(Dog).filter(data__contains={"owner": {"name": "Bob"}}).order_by("id")
    ),
    "json_contained_by": lambda s: (
        s(Dog).filter(data__contained_by={"breed": "collie", "owner": "Bob"}).order_by("id")
    ),
    "json_has_key": lambda s: s(Dog).filter(data__has_key="owner").order_by("id"),
    "json_has_keys": lambda s: s(Dog).filter(data__has_keys=["breed", "owner"]).order_by("id"),
    "json_has_any_keys": lambda s: (
        s(Dog).filter(data__has_any_keys=["owner", "breed"]).order_by("id")
    ),
    # Complex lookups with Q objects
    "q_or": lambda s: (
        s(Entry)
        .filter(Q(headline__startswith="Who") | Q(headline__startswith="What"))
        .order_by("id")
    ),
    "q_or_not": lambda s: (
        s(Entry).filter(Q(headline__startswith="Who") | ~Q(pub_date__year=2005)).order_by("id")
    ),
    "q_with_kwargs": lambda s: s(Entry).filter(
        Q(pub_date=datetime.date(2005, 5, 2)) | Q(pub_date=datetime.date(2005, 5, 6)),
        headline__startswith="Who",
    ),
    # Related objects
    "related_select_related": lambda s: s(Entry).select_related().order_by("id"),
    "related_forward_prefetch": lambda s: s(Entry).prefetch_related("blog").order_by("id"),
    "related_backward": lambda s: s(Blog).prefetch_related("entry_set").order_by("id"),
    "related_backward_filtered": lambda s: (
        s(Blog)
        .filter(entry__headline__contains="Lennon")
        .prefetch_related("entry_set")
        .distinct()
        .order_by("id")
    ),
    "related_m2m": lambda s: s(Entry).prefetch_related("authors").order_by("id"),
    "related_m2m_reverse": lambda s: s(Author).prefetch_related("entry_set").order_by("id"),
    "related_one_to_one": lambda s: s(EntryDetail).select_related("entry").order_by("id"),
    "related_one_to_one_reverse": lambda s: s(Entry).select_related("entrydetail").order_by("id"),
    "related_one_to_one_reverse_prefetch": lambda s: (
        s(Entry).prefetch_related("entrydetail").order_by("id")
    ),
    "related_by_instance_id": lambda s: s(Entry).filter(blog=1).order_by("id"),
    "related_by_pk_in": lambda s: s(Entry).filter(blog__in=[1, 3]).order_by("id"),
}


@pytest.mark.parametrize("name", sorted(MAKING_QUERIES))
async def test_making_queries_example(weblog, name):
    await compare_query(MAKING_QUERIES[name])


async def _call(value):
    if IS_ASYNC:
        return await value
    else:
        return value


MAKING_QUERIES_CALLS = {
    "get_by_pk": lambda s, w: s(Blog).get(pk=w["blogs"]["cheddar"].pk),
    "get_id_exact": lambda s, w: s(Blog).get(id__exact=w["blogs"]["pop"].pk),
    "get_headline_exact": lambda s, w: s(Entry).get(headline__exact="Cat bites dog"),
    "get_q_objects": lambda s, w: s(Entry).get(
        Q(headline__startswith="Who"),
        Q(pub_date=datetime.date(2005, 5, 2)) | Q(pub_date=datetime.date(2005, 5, 6)),
    ),
    "get_select_related": lambda s, w: s(Entry).select_related().get(id=w["entries"][1].pk),
    "get_does_not_exist": lambda s, w: s(Entry).get(headline="Nope"),
    "ordered_first": lambda s, w: s(Entry).order_by("headline").first(),
    "slice_then_get": lambda s, w: s(Entry).order_by("headline")[0:1].get(),
    "aggregate_transform": lambda s, w: s(Entry).aggregate(
        first_published_year=Min("pub_date__year")
    ),
    "count_by_blog": lambda s, w: s(Entry).filter(blog=w["blogs"]["beatles"]).count(),
}


@pytest.mark.parametrize("name", sorted(MAKING_QUERIES_CALLS))
async def test_making_queries_terminal_example(weblog, name):
    call = MAKING_QUERIES_CALLS[name]

    async def vinyl_call():
        return await _call(call(vinyl_side, weblog))

    await compare_call(lambda: call(django_side, weblog), vinyl_call)


async def test_indexing_and_stepped_slicing_examples(weblog):
    assert await Entry.vinyl.order_by("headline")[0] == Entry.objects.order_by("headline")[0]
    assert await _call(Entry.vinyl.order_by("id")[:10:2]) == Entry.objects.order_by("id")[:10:2]
    with pytest.raises(IndexError):
        await Entry.vinyl.order_by("id")[99]


async def test_caching_and_querysets(weblog):
    queryset = Entry.vinyl.order_by("id")
    with capture_statements() as log:
        headlines = [entry.headline for entry in await fetch(queryset)]
        dates = [entry.pub_date for entry in await fetch(queryset)]
    assert log.count == 1  # the second read uses the queryset's cache
    assert headlines == [entry.headline for entry in Entry.objects.order_by("id")]
    assert dates == [entry.pub_date for entry in Entry.objects.order_by("id")]


async def test_comparing_objects(weblog):
    some_entry = await Entry.vinyl.get(headline="Cat bites dog")
    assert some_entry == Entry.objects.get(headline="Cat bites dog")
    assert some_entry.id == Entry.objects.get(headline="Cat bites dog").id
    assert some_entry != await Entry.vinyl.get(headline="What a cheese")


async def test_related_objects_read_from_the_fetched_cache(weblog):
    entry = await Entry.vinyl.select_related("blog", "entrydetail").get(headline="Cat bites dog")
    assert entry["blog"].name == "Cheddar Talk"
    assert entry["entrydetail"].details == "The dog is fine."
    blogs = await fetch(Blog.vinyl.prefetch_related("entry_set__authors").order_by("id"))
    assert [[e.headline for e in b["entry_set"]] for b in blogs] == [
        [e.headline for e in b.entry_set.all()]
        for b in Blog.objects.prefetch_related("entry_set").order_by("id")
    ]
    authors_of_first = sorted(a.name for a in blogs[0]["entry_set"][0]["authors"])
    assert authors_of_first == sorted(
        a.name for a in Entry.objects.get(headline="Lennon's lost tapes found").authors.all()
    )


# -- Aggregation -------------------------------------------------------------------------------


@pytest.fixture
def bookstore(db):
    """The authors, publishers, books and stores of the "Aggregation" examples."""
    names_ages = [
        ("Adrian Holovaty", 34),
        ("Jacob Kaplan-Moss", 35),
        ("Brad Dayley", 45),
        ("James Bennett", 29),
        ("Jeffrey Forcier", 37),
        ("Paul Bissex", 29),
        ("Wesley J. Chun", 25),
        ("Peter Norvig", 57),
        ("Stuart Russell", 46),
    ]
    a = {name.split()[0]: AggAuthor.objects.create(name=name, age=age) for name, age in names_ages}
    apress = AggPublisher.objects.create(name="Apress")
    sams = AggPublisher.objects.create(name="Sams")
    prentice = AggPublisher.objects.create(name="Prentice Hall")
    morgan = AggPublisher.objects.create(name="Morgan Kaufmann")
    AggPublisher.objects.create(name="Jonno's House of Books")
    AggPublisher.objects.create(name="BaloneyPress")
    specs = [
        (
            "The Definitive Guide to Django: Web Development Done Right",
            447,
            "30.00",
            4.5,
            apress,
            (2007, 12, 6),
            ["Adrian", "Jacob"],
        ),
        (
            "Sams Teach Yourself Django in 24 Hours",
            528,
            "23.09",
            3.0,
            sams,
            (2008, 3, 3),
            ["Brad"],
        ),
        ("Practical Django Projects", 300, "29.69", 4.0, apress, (2008, 6, 23), ["James"]),
        (
            "Python Web Development with Django",
            350,
            "29.69",
            4.0,
            prentice,
            (2008, 11, 3),
            ["Jeffrey", "Paul", "Wesley"],
        ),
        (
            "Artificial Intelligence: A Modern Approach",
            1132,
            "82.80",
            4.0,
            prentice,
            (1995, 1, 15),
            ["Peter", "Stuart"],
        ),
        (
            "Paradigms of Artificial Intelligence Programming: Case Studies in Common Lisp",
            946,
            "75.00",
            5.0,
            morgan,
            (1991, 10, 15),
            ["Peter"],
        ),
    ]
    books = []
    for name, pages, price, rating, publisher, pubdate, authors in specs:
        book = AggBook.objects.create(
            name=name,
            pages=pages,
            price=decimal.Decimal(price),
            rating=rating,
            publisher=publisher,
            pubdate=datetime.date(*pubdate),
        )
        book.authors.set([a[key] for key in authors])
        books.append(book)
    AggStore.objects.create(name="Amazon.com").books.set(books)
    AggStore.objects.create(name="Books.com").books.set([books[0], books[2], books[4]])
    AggStore.objects.create(name="Mamma and Pappa's Books").books.set(
        [books[0], books[1], books[3]]
    )
    return books


Publisher, Book, Store, BookAuthor = AggPublisher, AggBook, AggStore, AggAuthor

AGGREGATION_QUERIES = {
    # Cheat sheet
    "publishers_num_books": lambda s: (
        s(Publisher).annotate(num_books=Count("book")).order_by("id")
    ),
    "publishers_above_below_5": lambda s: (
        s(Publisher)
        .annotate(below_5=Count("book", filter=Q(book__rating__lte=5)))
        .annotate(above_5=Count("book", filter=Q(book__rating__gt=5)))
        .order_by("id")
    ),
    "publishers_top_five": lambda s: (
        s(Publisher).annotate(num_books=Count("book")).order_by("-num_books", "id")[:5]
    ),
    # Generating aggregates for each item in a QuerySet
    "books_count_authors": lambda s: s(Book).annotate(Count("authors")).order_by("id"),
    "books_num_authors": lambda s: s(Book).annotate(num_authors=Count("authors")).order_by("id"),
    # Combining multiple aggregations (the documented wrong result, then the fix)
    "combined_wrong": lambda s: s(Book).annotate(Count("authors"), Count("store")).order_by("id"),
    "combined_distinct": lambda s: (
        s(Book)
        .annotate(Count("authors", distinct=True), Count("store", distinct=True))
        .order_by("id")
    ),
    # Joins and aggregates
    "stores_min_max_price": lambda s: (
        s(Store)
        .annotate(min_price=Min("books__price"), max_price=Max("books__price"))
        .order_by("id")
    ),
    # Following relationships backwards
    "publishers_count_book": lambda s: s(Publisher).annotate(Count("book")).order_by("id"),
    "authors_total_pages": lambda s: (
        s(BookAuthor).annotate(total_pages=Sum("book__pages")).order_by("id")
    ),
    # Filtering and annotate()
    "filtered_annotate": lambda s: (
        s(Book)
        .filter(name__contains="Django")
        .annotate(num_authors=Count("authors"))
        .order_by("id")
    ),
    "filter_on_annotation": lambda s: (
        s(Book).annotate(num_authors=Count("authors")).filter(num_authors__gt=1).order_by("id")
    ),
    "highly_rated": lambda s: (
        s(BookAuthor)
        .annotate(
            num_books=Count("book"),
            highly_rated_books=Count("book", filter=Q(book__rating__gte=4.5)),
        )
        .order_by("id")
    ),
    # Order of annotate() and filter() clauses
    "annotate_then_filter": lambda s: (
        s(Publisher)
        .annotate(num_books=Count("book", distinct=True))
        .filter(book__rating__gt=3.0)
        .order_by("id")
    ),
    "filter_then_annotate": lambda s: (
        s(Publisher).filter(book__rating__gt=3.0).annotate(num_books=Count("book")).order_by("id")
    ),
    "avg_then_filter": lambda s: (
        s(Publisher)
        .annotate(avg_rating=Avg("book__rating"))
        .filter(book__rating__gt=3.0)
        .order_by("id")
    ),
    "filter_then_avg": lambda s: (
        s(Publisher)
        .filter(book__rating__gt=3.0)
        .annotate(avg_rating=Avg("book__rating"))
        .order_by("id")
    ),
    # order_by()
    "order_by_annotation": lambda s: (
        s(Book).annotate(num_authors=Count("authors")).order_by("num_authors", "id")
    ),
    # values()
    "authors_average_rating": lambda s: (
        s(BookAuthor).annotate(average_rating=Avg("book__rating")).order_by("id")
    ),
    "values_then_annotate": lambda s: (
        s(BookAuthor).values("name").annotate(average_rating=Avg("book__rating")).order_by("name")
    ),
    "annotate_then_values": lambda s: (
        s(BookAuthor)
        .annotate(average_rating=Avg("book__rating"))
        .values("name", "average_rating")
        .order_by("name")
    ),
    "values_group_by_rating": lambda s: (
        s(Book).values("rating").annotate(Count("id")).order_by("rating")
    ),
    "values_group_cleared_order": lambda s: (
        s(Book).values("publisher__name").annotate(n=Count("id")).order_by("publisher__name")
    ),
}


@pytest.mark.parametrize("name", sorted(AGGREGATION_QUERIES))
async def test_aggregation_example(bookstore, name):
    await compare_query(AGGREGATION_QUERIES[name])


AGGREGATION_CALLS = {
    "count": lambda s: s(Book).count(),
    "count_filtered": lambda s: s(Book).filter(publisher__name="BaloneyPress").count(),
    "avg_price": lambda s: s(Book).aggregate(Avg("price")),
    "max_price": lambda s: s(Book).aggregate(Max("price")),
    "price_diff": lambda s: s(Book).aggregate(
        price_diff=Max("price", output_field=FloatField()) - Avg("price")
    ),
    "all_avg_price": lambda s: s(Book).all().aggregate(Avg("price")),
    "named_average_price": lambda s: s(Book).aggregate(average_price=Avg("price")),
    "several": lambda s: s(Book).aggregate(Avg("price"), Max("price"), Min("price")),
    "stores_min_max": lambda s: s(Store).aggregate(
        min_price=Min("books__price"), max_price=Max("books__price")
    ),
    "youngest_age": lambda s: s(Store).aggregate(youngest_age=Min("books__authors__age")),
    "oldest_pubdate": lambda s: s(Publisher).aggregate(oldest_pubdate=Min("book__pubdate")),
    "average_rating": lambda s: s(BookAuthor).aggregate(average_rating=Avg("book__rating")),
    "filtered_aggregate": lambda s: (
        s(Book).filter(name__startswith="Python").aggregate(Avg("price"))
    ),
    "aggregating_annotations": lambda s: (
        s(Book).annotate(num_authors=Count("authors")).aggregate(Avg("num_authors"))
    ),
    "empty_sum": lambda s: s(Book).filter(name__contains="web").aggregate(Sum("price")),
    "empty_sum_default": lambda s: (
        s(Book).filter(name__contains="web").aggregate(Sum("price", default=0))
    ),
    "first_annotated": lambda s: (
        s(Publisher).annotate(num_books=Count("book")).order_by("id").first()
    ),
}


@pytest.mark.parametrize("name", sorted(AGGREGATION_CALLS))
async def test_aggregation_terminal_example(bookstore, name):
    call = AGGREGATION_CALLS[name]

    async def vinyl_call():
        return await _call(call(vinyl_side))

    await compare_call(lambda: call(django_side), vinyl_call)


async def test_documented_aggregation_results(bookstore):
    pubs = await fetch(Publisher.vinyl.annotate(num_books=Count("book")).order_by("id"))
    assert pubs[0].num_books == 2
    q = await fetch(Book.vinyl.annotate(Count("authors"), Count("store")).order_by("id"))
    assert q[0].authors__count == 6 and q[0].store__count == 6  # the docs' cautionary example
    q = await fetch(
        Book.vinyl.annotate(
            Count("authors", distinct=True), Count("store", distinct=True)
        ).order_by("id")
    )
    assert (q[0].authors__count, q[0].store__count) == (2, 3)
    empty = Book.vinyl.filter(name__contains="Ruby")
    assert await empty.aggregate(Sum("price")) == {"price__sum": None}
    assert await empty.aggregate(Sum("price", default=0)) == {"price__sum": decimal.Decimal("0")}
