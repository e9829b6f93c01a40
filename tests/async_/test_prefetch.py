"""prefetch_related through vinyl: the caches Django fills, filled natively, same statements.

Every query runs through Django's ``objects`` and through ``vinyl``; the results
are compared with their caches (field cache for single relations, prefetched-objects
cache for to-many ones, ``to_attr`` attributes), recursively, and vinyl must send
exactly as many statements as Django: one per prefetch level (one per content type
for a GenericForeignKey level), never one per object.
"""

import pytest
from differential import (
    build_world,
    compare_call,
    compare_query,
    run_django,
    run_vinyl,
    vinyl_side,
)
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import connection
from django.db.models import Count, F, Prefetch
from django.test.utils import CaptureQueriesContext
from helpers import capture_statements, fetch
from vinyltests.models import (
    Article,
    Author,
    AuthorProfile,
    Book,
    Category,
    Club,
    Comment,
    Membership,
    Place,
    Publisher,
    Restaurant,
    Tag,
)

from vinyl_async import NotFetched, QuerySet
from vinyl_async._compat import async_only
from vinyl_async.instances import is_twin


@pytest.fixture
def world(db):
    return build_world()


PREFETCH_QUERIES = {
    # -- one level, every relation kind ---------------------------------------------------------
    "forward_fk": lambda s: s(Book).prefetch_related("author").order_by("id"),
    "forward_fk_nullable": lambda s: s(Book).prefetch_related("publisher").order_by("id"),
    "forward_fk_all_null": lambda s: (
        s(Book).filter(publisher__isnull=True).prefetch_related("publisher").order_by("id")
    ),
    "reverse_fk": lambda s: s(Author).prefetch_related("books"),
    "reverse_fk_nullable": lambda s: s(Publisher).prefetch_related("books").order_by("id"),
    "forward_m2m": lambda s: s(Book).prefetch_related("tags").order_by("id"),
    "reverse_m2m": lambda s: s(Tag).prefetch_related("books").order_by("id"),
    "forward_o2o": lambda s: s(AuthorProfile).prefetch_related("author").order_by("id"),
    "reverse_o2o": lambda s: s(Author).prefetch_related("profile"),
    "self_fk_both_ways": lambda s: s(Author).prefetch_related("mentor", "mentees"),
    "self_fk_tree": lambda s: (
        s(Category).filter(parent__isnull=True).prefetch_related("children__children")
    ),
    "m2m_through": lambda s: s(Club).prefetch_related("members").order_by("id"),
    "m2m_through_reverse": lambda s: s(Author).prefetch_related("clubs"),
    "through_model_rows": lambda s: (
        s(Club).prefetch_related("membership_set__author").order_by("id")
    ),
    "gfk": lambda s: s(Comment).prefetch_related("content_object").order_by("id"),
    "generic_relation": lambda s: s(Article).prefetch_related("comments").order_by("id"),
    "generic_relation_then_gfk": lambda s: (
        s(Article).prefetch_related("comments__content_object").order_by("id")
    ),
    "mti_reverse_parent_link": lambda s: s(Place).prefetch_related("restaurant").order_by("id"),
    "mti_forward_parent_link": lambda s: (
        s(Restaurant).prefetch_related("place_ptr").order_by("id")
    ),
    # -- nested lookups ------------------------------------------------------------------------
    "nested_two": lambda s: s(Author).prefetch_related("books__tags"),
    "nested_four": lambda s: s(Author).prefetch_related("books__tags__books__publisher"),
    "nested_shared_prefix": lambda s: s(Author).prefetch_related(
        "books", "books__tags", "books__publisher"
    ),
    "nested_single_then_many": lambda s: s(Book).prefetch_related("author__books").order_by("id"),
    "nested_single_then_single": lambda s: (
        s(Book).prefetch_related("author__profile", "author__mentor").order_by("id")
    ),
    "nested_through_reverse_o2o": lambda s: s(Author).prefetch_related("profile__author__clubs"),
    "select_related_then_prefetch": lambda s: (
        s(Book).select_related("author").prefetch_related("author__books").order_by("id")
    ),
    "select_related_nullable_then_prefetch": lambda s: (
        s(Book).select_related("publisher").prefetch_related("publisher__books").order_by("id")
    ),
    # -- Prefetch objects ------------------------------------------------------------------------
    "prefetch_queryset_filter": lambda s: s(Author).prefetch_related(
        Prefetch("books", queryset=s(Book).filter(pages__gt=250))
    ),
    "prefetch_queryset_ordered": lambda s: (
        s(Book)
        .prefetch_related(Prefetch("tags", queryset=s(Tag).order_by("-name")))
        .order_by("id")
    ),
    "prefetch_to_attr": lambda s: s(Author).prefetch_related(
        Prefetch("books", queryset=s(Book).order_by("-pages"), to_attr="by_length")
    ),
    "prefetch_to_attr_single": lambda s: s(Author).prefetch_related(
        Prefetch("mentor", queryset=s(Author).only("name"), to_attr="guide")
    ),
    "prefetch_select_related_inside": lambda s: s(Author).prefetch_related(
        Prefetch("books", queryset=s(Book).select_related("publisher"))
    ),
    "prefetch_prefetch_inside": lambda s: s(Author).prefetch_related(
        Prefetch("books", queryset=s(Book).prefetch_related("tags"))
    ),
    "prefetch_leaf_queryset": lambda s: s(Author).prefetch_related(
        Prefetch("books__tags", queryset=s(Tag).filter(name__startswith="s"))
    ),
    "prefetch_to_attr_then_nested": lambda s: s(Author).prefetch_related(
        Prefetch("books", queryset=s(Book).filter(pages__gt=250), to_attr="long_books"),
        "long_books__tags",
    ),
    "prefetch_annotated": lambda s: (
        s(Tag)
        .prefetch_related(
            Prefetch("books", queryset=s(Book).annotate(n_tags=Count("tags")).order_by("id"))
        )
        .order_by("id")
    ),
    "prefetch_sliced_window": lambda s: s(Author).prefetch_related(
        Prefetch("books", queryset=s(Book).order_by("-pages")[:1], to_attr="longest")
    ),
    "prefetch_deferred": lambda s: s(Author).prefetch_related(
        Prefetch("books", queryset=s(Book).only("title", "author"))
    ),
    "prefetch_through_model": lambda s: (
        s(Club)
        .prefetch_related(
            Prefetch(
                "membership_set",
                queryset=s(Membership).filter(role="chair").select_related("author"),
            )
        )
        .order_by("id")
    ),
    "prefetch_m2m_through_filtered": lambda s: (
        s(Club)
        .prefetch_related(Prefetch("members", queryset=s(Author).filter(age__isnull=False)))
        .order_by("id")
    ),
    "prefetch_generic_relation_queryset": lambda s: (
        s(Article)
        .prefetch_related(Prefetch("comments", queryset=s(Comment).order_by("-text")))
        .order_by("id")
    ),
    "generic_prefetch": lambda s: (
        s(Comment)
        .prefetch_related(
            GenericPrefetch(
                "content_object", [s(Article).filter(headline="News"), s(Author).only("name")]
            )
        )
        .order_by("id")
    ),
    "prefetch_values_rows": lambda s: (
        s(Book).values("title").prefetch_related("tags").order_by("id")
    ),
    "prefetch_values_list_rows": lambda s: (
        s(Book).values_list("title", flat=True).prefetch_related("tags").order_by("id")
    ),
    "prefetch_cleared": lambda s: (
        s(Book).prefetch_related("tags").prefetch_related(None).order_by("id")
    ),
    "prefetch_on_empty_result": lambda s: (
        s(Book).filter(title="Nope").prefetch_related("tags", "author__books")
    ),
    "prefetch_sliced_result": lambda s: s(Book).prefetch_related("tags").order_by("-pages")[:3],
    # -- errors --------------------------------------------------------------------------------
    "error_unknown_name": lambda s: s(Book).prefetch_related("nope"),
    "error_not_a_relation": lambda s: s(Book).prefetch_related("title"),
    "error_nested_unknown": lambda s: s(Author).prefetch_related("books__nope"),
    "error_to_attr_clash": lambda s: s(Author).prefetch_related(Prefetch("books", to_attr="name")),
    "error_same_lookup_twice": lambda s: s(Author).prefetch_related(
        "books", Prefetch("books", queryset=s(Book).all())
    ),
}


@pytest.mark.parametrize("name", sorted(PREFETCH_QUERIES))
async def test_prefetch_matches_django(world, name):
    await compare_query(PREFETCH_QUERIES[name])


async def test_prefetched_relations_read_through_obj_brackets(world):
    authors = await fetch(
        Author.vinyl.prefetch_related("books__tags", "profile", "mentor", "clubs")
    )
    django_authors = list(
        Author.objects.prefetch_related("books__tags", "profile", "mentor", "clubs")
    )
    with capture_statements() as log:
        for got, expected in zip(authors, django_authors, strict=True):
            assert got["books"] == list(expected.books.all())
            assert [b["tags"] for b in got["books"]] == [
                list(b.tags.all()) for b in expected.books.all()
            ]
            assert got["clubs"] == list(expected.clubs.all())
            assert got["mentor"] == expected.mentor
            if hasattr(expected, "profile"):
                assert got["profile"] == expected.profile
            for book in got["books"]:
                assert book["author"] is got  # reverse FK prefetch points back at the instance
    assert log.count == 0


async def test_prefetched_objects_are_vinyl_instances(world):
    comments = await fetch(Comment.vinyl.prefetch_related("content_object").order_by("id"))
    assert {type(c["content_object"]).__name__ for c in comments} == {"Article", "Author", "Book"}
    assert all(is_twin(type(c["content_object"])) for c in comments)
    books = await fetch(Book.vinyl.prefetch_related("tags", "author__profile"))
    for book in books:
        assert isinstance(book._prefetched_objects_cache["tags"], QuerySet)
        assert all(is_twin(type(tag)) for tag in book["tags"])
        assert is_twin(type(book["author"]))


async def test_a_django_queryset_inside_prefetch_runs_on_vinyl(world):
    django_queryset = Book.objects.filter(pages__gt=250).order_by("-pages")
    with CaptureQueriesContext(connection) as django_queries:
        authors = await fetch(
            Author.vinyl.prefetch_related(Prefetch("books", queryset=django_queryset))
        )
    assert len(django_queries.captured_queries) == 0  # nothing ran on Django's connection
    expected = list(Author.objects.prefetch_related(Prefetch("books", queryset=django_queryset)))
    assert [[b.title for b in a["books"]] for a in authors] == [
        [b.title for b in a.books.all()] for a in expected
    ]
    assert all(is_twin(type(b)) for a in authors for b in a["books"])


async def test_unfetched_relations_still_raise_not_fetched(world):
    book = await Book.vinyl.prefetch_related("tags").get(title="Dune")
    assert sorted(t.name for t in book["tags"]) == ["award", "sf"]
    with pytest.raises(NotFetched):
        book["author"]


async def test_prefetch_related_values_queryset_in_prefetch_raises_like_django(world):
    with pytest.raises(
        ValueError,
        match="Prefetch querysets cannot use raw\\(\\), values\\(\\), and values_list\\(\\).",
    ):
        Prefetch("tags", queryset=Tag.vinyl.values("name"))
    with pytest.raises(
        ValueError,
        match="Prefetch querysets cannot use raw\\(\\), values\\(\\), and values_list\\(\\).",
    ):
        Prefetch("books", queryset=Book.vinyl.raw("SELECT * FROM vinyltests_book"))


async def test_iterator_prefetches_each_chunk_like_django(world):
    lookups = ("tags", "author")
    with CaptureQueriesContext(connection) as django_queries:
        expected = list(
            Book.objects.prefetch_related(*lookups).order_by("id").iterator(chunk_size=3)
        )
    with capture_statements() as log:
        got = [
            book
            async for book in Book.vinyl.prefetch_related(*lookups)
            .order_by("id")
            .iterator(chunk_size=3)
        ]
    assert log.count == len(django_queries.captured_queries) == 1 + 3 * 2
    assert [(b.title, sorted(t.name for t in b["tags"]), b["author"].name) for b in got] == [
        (b.title, sorted(t.name for t in b.tags.all()), b.author.name) for b in expected
    ]


async def test_prefetch_related_objects_on_instances_fetched_earlier(world):
    from vinyl_async.prefetch import prefetch_related_objects

    books = await fetch(Book.vinyl.order_by("id"))
    with capture_statements() as log:
        await prefetch_related_objects(books, "tags", Prefetch("author", to_attr="writer"))
    assert log.count == 2
    assert [b.writer.name for b in books] == [b.author.name for b in Book.objects.order_by("id")]
    with capture_statements() as log:
        await prefetch_related_objects(books, "tags")  # already fetched: nothing to do
    assert log.count == 0


async def test_prefetch_on_raw_queryset_matches_django(world):
    sql = "SELECT * FROM vinyltests_book ORDER BY id"

    async def vinyl_call():
        return await fetch(Book.vinyl.raw(sql).prefetch_related("tags", "author__profile"))

    await compare_call(
        lambda: list(Book.objects.raw(sql).prefetch_related("tags", "author__profile")), vinyl_call
    )


async def test_gfk_prefetch_reads_content_types_like_django(world):
    from django.contrib.contenttypes.models import ContentType

    # With a warm ContentType cache, both issue one statement per content type.
    ContentType.objects.clear_cache()
    list(Comment.objects.prefetch_related("content_object"))
    with CaptureQueriesContext(connection) as django_queries:
        list(Comment.objects.prefetch_related("content_object"))
    with capture_statements() as log:
        await fetch(Comment.vinyl.prefetch_related("content_object"))
    assert log.count == len(django_queries.captured_queries) == 1 + 3
    cached = ContentType.objects._cache[connection.alias]
    assert all(
        type(ct) is ContentType for ct in cached.values()
    )  # Django's cache keeps plain objects


async def test_prefetch_level_is_one_statement_whatever_the_row_count(world):
    ann = world["ann"]
    Book.objects.bulk_create([Book(title=f"extra {i}", author=ann, pages=i) for i in range(40)])
    with capture_statements() as log:
        authors = await fetch(Author.vinyl.prefetch_related("books__tags", "books__publisher"))
    assert log.count == 4
    assert len(authors[0]["books"]) == 43


async def test_prefetching_is_django_compatible_with_filtered_relation(world):
    from django.db.models import FilteredRelation, Q

    expected, _ = run_django(
        lambda: list(
            Author.objects.annotate(
                long=FilteredRelation("books", condition=Q(books__pages__gt=400))
            ).prefetch_related("long")
        )
    )

    async def evaluate():
        return await fetch(
            Author.vinyl.annotate(
                long=FilteredRelation("books", condition=Q(books__pages__gt=400))
            ).prefetch_related("long")
        )

    got, _ = await run_vinyl(evaluate)
    assert got == expected


async def test_prefetch_results_reuse_known_instances_like_django(world):
    query = lambda s: s(Author).prefetch_related("books__author", "mentees__mentor")  # noqa: E731
    got = await compare_query(query)
    assert got[0] == "ok"
    authors = await fetch(query(vinyl_side))
    for author in authors:
        for book in author["books"]:
            assert book["author"] is author
        for mentee in author["mentees"]:
            assert mentee["mentor"] is author


async def test_nested_prefetch_with_to_attr_and_annotations(world):
    await compare_query(
        lambda s: (
            s(Publisher)
            .prefetch_related(
                Prefetch(
                    "books",
                    queryset=s(Book)
                    .annotate(double=F("pages") * 2)
                    .order_by("title")
                    .prefetch_related("tags"),
                    to_attr="catalogue",
                )
            )
            .order_by("id")
        )
    )


@async_only
async def test_concurrent_prefetches_do_not_mix_caches(world):
    import asyncio

    names = ("Ann", "Bob", "Cy", "Dee", "Eve") * 4

    async def run(name):
        authors = await Author.vinyl.filter(name=name).prefetch_related("books__tags")
        return sorted((b.title, sorted(t.name for t in b["tags"])) for b in authors[0]["books"])

    results = await asyncio.gather(*(run(name) for name in names))
    for name, result in zip(names, results, strict=True):
        expected = sorted(
            (b.title, sorted(t.name for t in b.tags.all()))
            for b in Author.objects.get(name=name).books.all()
        )
        assert result == expected


async def test_generic_relation_prefetch_creates_a_missing_content_type_like_django(world):
    from django.contrib.contenttypes.models import ContentType

    Comment.objects.all().delete()
    ContentType.objects.filter(app_label="vinyltests", model="article").delete()
    ContentType.objects.clear_cache()
    articles = await fetch(Article.vinyl.prefetch_related("comments").order_by("id"))
    assert [a["comments"] for a in articles] == [[], [], []]
    created = ContentType.objects.get(app_label="vinyltests", model="article")
    assert ContentType.objects.get_for_model(Article) == created  # Django's cache has it
    assert type(ContentType.objects.get_for_model(Article)) is ContentType


class _SingleObjectPrefetcher:
    """A third-party style descriptor: ``obj.sponsor`` is a Publisher, prefetchable."""

    def __init__(self, reads_itself):
        self.reads_itself = reads_itself

    def __get__(self, instance, cls=None):
        return self if instance is None else instance._state.fields_cache.get("sponsor")

    def is_cached(self, instance):
        return "sponsor" in instance._state.fields_cache

    def get_prefetch_querysets(self, instances, querysets=None):
        queryset = (querysets[0] if querysets else Publisher.objects.all()).filter(name="Tor")
        if self.reads_itself:
            list(queryset)
        return queryset, lambda publisher: 0, lambda author: 0, True, "sponsor", False


async def test_a_third_party_prefetcher_runs_on_vinyl(world, monkeypatch):
    monkeypatch.setattr(
        Author, "sponsor", _SingleObjectPrefetcher(reads_itself=False), raising=False
    )
    with CaptureQueriesContext(connection) as django_queries:
        authors = await fetch(Author.vinyl.prefetch_related("sponsor"))
    assert len(django_queries.captured_queries) == 0
    assert {a._state.fields_cache["sponsor"].name for a in authors} == {"Tor"}
    assert all(is_twin(type(a._state.fields_cache["sponsor"])) for a in authors)


async def test_a_third_party_prefetcher_reading_its_queryset_itself_is_refused(world, monkeypatch):
    from django.db import NotSupportedError

    monkeypatch.setattr(
        Author, "sponsor", _SingleObjectPrefetcher(reads_itself=True), raising=False
    )
    with pytest.raises(
        NotSupportedError, match="vinyl cannot prefetch through _SingleObjectPrefetcher"
    ):
        await fetch(
            Author.vinyl.prefetch_related(Prefetch("sponsor", queryset=Publisher.vinyl.all()))
        )
