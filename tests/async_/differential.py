"""Differential testing: the same query through Django's ``objects`` and through ``vinyl``.

A query is written once as ``lambda s: s(Book).filter(...)``; ``s`` picks the
manager (``M.objects`` or ``M.vinyl``), so subqueries use the same side too.
Results are compared as snapshots: class name, loaded field values, annotations,
``to_attr`` lists, the field cache (select_related / single prefetches) and the
prefetched-objects cache, recursively. Errors are compared by class and message.
Statements are counted on both sides (Django: ``CaptureQueriesContext``; vinyl:
``capture_statements``; transaction control left out, as Django does not log all
of it) with the ContentType cache emptied first, so counts match exactly when
vinyl issues the statements Django issues.
"""

import datetime
import decimal
import difflib
import pprint

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from helpers import capture_statements, fetch

from vinyl_async.instances import is_twin


def django_side(model):
    return model.objects


def vinyl_side(model):
    return model.vinyl


def _sorted_if_unordered(queryset, objects):
    if queryset is not None and queryset.ordered:
        return list(objects)
    return sorted(objects, key=lambda obj: obj.pk)


def snapshot(value, depth=3):
    """A comparable, class-independent picture of a result (see the module docstring)."""
    if isinstance(value, Model):
        opts = value._meta
        fields = {
            f.attname: value.__dict__[f.attname]
            for f in opts.concrete_fields
            if f.attname in value.__dict__
        }
        extra = {
            key: snapshot(item, depth - 1)
            for key, item in sorted(value.__dict__.items())
            if not key.startswith("_") and key not in fields
        }
        picture = [type(value).__name__, fields, extra]
        if depth > 0:
            picture.append(
                {
                    name: snapshot(cached, depth - 1)
                    for name, cached in sorted(value._state.fields_cache.items())
                }
            )
            prefetched = getattr(value, "_prefetched_objects_cache", {})
            picture.append(
                {
                    name: [
                        snapshot(obj, depth - 1)
                        for obj in _sorted_if_unordered(qs, qs._result_cache)
                    ]
                    for name, qs in sorted(prefetched.items())
                }
            )
        return tuple(picture)
    if isinstance(value, dict):
        return {key: snapshot(item, depth) for key, item in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # values_list(named=True)
        return ("Row", value._fields, tuple(snapshot(item, depth) for item in value))
    if isinstance(value, (list, tuple)):
        return type(value)(snapshot(item, depth) for item in value)
    return value


def vinyl_instances(value, depth=3):
    """Every model instance in a result, its caches included (to check they are twins)."""
    found = []
    if isinstance(value, Model):
        found.append(value)
        if depth > 0:
            for cached in value._state.fields_cache.values():
                found.extend(vinyl_instances(cached, depth - 1))
            for qs in getattr(value, "_prefetched_objects_cache", {}).values():
                for obj in qs._result_cache:
                    found.extend(vinyl_instances(obj, depth - 1))
            for key, item in value.__dict__.items():
                if not key.startswith("_"):
                    found.extend(vinyl_instances(item, depth - 1))
    elif isinstance(value, (list, tuple)):
        for item in value:
            found.extend(vinyl_instances(item, depth))
    elif isinstance(value, dict):
        for item in value.values():
            found.extend(vinyl_instances(item, depth))
    return found


_TRANSACTION_CONTROL = (
    "BEGIN",
    "START TRANSACTION",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE SAVEPOINT",
)


def data_statements(sqls):
    """How many of *sqls* are not transaction control (BEGIN, COMMIT, SAVEPOINT, ...)."""
    return sum(1 for sql in sqls if not sql.lstrip().upper().startswith(_TRANSACTION_CONTROL))


def _error(exc):
    return ("error", type(exc), str(exc))


def run_django(evaluate):
    """(outcome, statement count) of ``evaluate()`` on Django."""
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        try:
            outcome = ("ok", snapshot(evaluate()))
        except Exception as exc:
            outcome = _error(exc)
    return outcome, data_statements(query["sql"] for query in queries.captured_queries)


async def run_vinyl(evaluate):
    """(outcome, statement count) of ``await evaluate()`` on vinyl; instances must be twins."""
    ContentType.objects.clear_cache()
    with capture_statements() as log:
        try:
            result = await evaluate()
        except Exception as exc:
            return _error(exc), data_statements(log.sql())
    strays = [obj for obj in vinyl_instances(result) if not is_twin(type(obj))]
    assert not strays, f"vinyl returned Django instances: {strays!r}"
    return ("ok", snapshot(result)), data_statements(log.sql())


def assert_same(got, expected):
    """``got == expected``, with a readable diff (this module is not assert-rewritten)."""
    if got != expected:
        diff = difflib.unified_diff(
            pprint.pformat(expected, width=120).splitlines(),
            pprint.pformat(got, width=120).splitlines(),
            "django",
            "vinyl",
            lineterm="",
        )
        raise AssertionError("vinyl differs from Django:\n" + "\n".join(diff))


async def compare_query(query):
    """Evaluate ``query(side)`` on both sides; assert equal results and statement counts."""
    expected, django_count = run_django(lambda: list(query(django_side)))

    async def evaluate():
        return await fetch(query(vinyl_side))

    got, vinyl_count = await run_vinyl(evaluate)
    assert_same(got, expected)
    assert vinyl_count == django_count, (
        f"vinyl sent {vinyl_count} statements, Django {django_count}"
    )
    return got


async def compare_call(django_call, vinyl_call):
    """Compare a terminal call: ``django_call()`` vs ``await vinyl_call()``."""
    expected, django_count = run_django(django_call)
    got, vinyl_count = await run_vinyl(vinyl_call)
    assert_same(got, expected)
    assert vinyl_count == django_count, (
        f"vinyl sent {vinyl_count} statements, Django {django_count}"
    )
    return got


def build_world():
    """Rows for every test model, written through Django (the reference), in one transaction."""
    from django.db import transaction

    with transaction.atomic():
        return _build_world()


def _build_world():
    from vinyltests.models import (
        Article,
        Author,
        AuthorProfile,
        Book,
        Category,
        Club,
        Comment,
        Everything,
        Membership,
        Note,
        Place,
        Publisher,
        Restaurant,
        Tag,
        UUIDItem,
    )

    penguin = Publisher.objects.create(name="Penguin", country="UK")
    tor = Publisher.objects.create(name="Tor", country="US")
    Publisher.objects.create(name="Orbit")
    ann = Author.objects.create(name="Ann", age=34, email="ann@example.com")
    bob = Author.objects.create(name="Bob", age=51, mentor=ann)
    cy = Author.objects.create(name="Cy", age=None, mentor=ann)
    dee = Author.objects.create(name="Dee", age=28, mentor=bob, email="dee@example.org")
    eve = Author.objects.create(name="Eve", age=None)
    sf, classic, short, award = (
        Tag.objects.create(name=n) for n in ("sf", "classic", "short", "award")
    )
    specs = [
        (
            "Dune",
            ann,
            tor,
            412,
            "9.99",
            4.5,
            datetime.date(1965, 8, 1),
            {"series": "dune", "n": 1, "tags": ["sf", "epic"]},
        ),
        ("Emma", bob, penguin, 300, "7.50", 3.9, datetime.date(1815, 12, 23), {"n": 2}),
        ("Ubik", cy, None, 202, "5.00", None, datetime.date(1969, 5, 1), {}),
        (
            "Hyperion",
            ann,
            tor,
            482,
            "12.00",
            4.2,
            None,
            {"series": "cantos", "n": 1, "nested": {"a": {"b": 3}}},
        ),
        ("Persuasion", bob, penguin, 249, "6.25", 4.0, datetime.date(1817, 12, 20), {"n": None}),
        ("Solaris", cy, tor, 204, "8.00", 4.1, datetime.date(1961, 1, 1), {"tags": ["pl", "sf"]}),
        (
            "Neuromancer",
            dee,
            None,
            271,
            "9.50",
            4.3,
            datetime.date(1984, 7, 1),
            {"series": "sprawl", "n": 1},
        ),
        (
            "Fall of Hyperion",
            ann,
            tor,
            517,
            "12.50",
            4.4,
            datetime.date(1990, 1, 1),
            {"series": "cantos", "n": 2},
        ),
    ]
    books = [
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
        for title, author, publisher, pages, price, rating, published, metadata in specs
    ]
    dune, emma, ubik, hyperion, persuasion, solaris, neuromancer, fall = books
    dune.tags.set([sf, award])
    emma.tags.set([classic])
    ubik.tags.set([sf, short])
    hyperion.tags.set([sf, award])
    persuasion.tags.set([classic])
    solaris.tags.set([sf])
    neuromancer.tags.set([sf, award, short])
    AuthorProfile.objects.create(author=ann, bio="Writes epics.")
    AuthorProfile.objects.create(author=bob, bio="")
    AuthorProfile.objects.create(author=dee, bio="Cyberpunk.")
    root = Category.objects.create(name="root")
    fiction = Category.objects.create(name="fiction", parent=root)
    nonfiction = Category.objects.create(name="nonfiction", parent=root)
    Category.objects.create(name="sf", parent=fiction)
    Category.objects.create(name="classics", parent=fiction)
    Category.objects.create(name="history", parent=nonfiction)
    readers = Club.objects.create(name="Readers")
    writers = Club.objects.create(name="Writers")
    Club.objects.create(name="Empty")
    Membership.objects.create(
        club=readers, author=ann, role="chair", joined=datetime.date(2020, 1, 5)
    )
    Membership.objects.create(club=readers, author=bob, joined=datetime.date(2021, 3, 1))
    Membership.objects.create(club=writers, author=ann, role="member")
    Membership.objects.create(
        club=writers, author=cy, role="chair", joined=datetime.date(2019, 6, 30)
    )
    Membership.objects.create(club=writers, author=dee, joined=datetime.date(2022, 2, 2))
    news = Article.objects.create(headline="News")
    review = Article.objects.create(headline="Review")
    Article.objects.create(headline="Silent")
    Comment.objects.create(content_object=news, text="first")
    Comment.objects.create(content_object=news, text="second")
    Comment.objects.create(content_object=review, text="nice")
    Comment.objects.create(content_object=ann, text="fan mail")
    Comment.objects.create(content_object=dune, text="classic")
    for text in ("alpha", "beta", "gamma"):
        Note.objects.create(text=text)
    Place.objects.create(name="Library", address="1 Main St")
    Restaurant.objects.create(name="Luigi", address="2 Side St", serves_pizza=True, rating=4)
    Restaurant.objects.create(name="Sushi", serves_pizza=False, rating=None)
    Everything.objects.create(
        big=2**40,
        boolean=True,
        binary=b"\x00\x01vinyl",
        char="chars",
        date=datetime.date(2024, 2, 29),
        datetime=datetime.datetime(2024, 2, 29, 12, 30, 15, 123456, tzinfo=datetime.UTC),
        decimal=decimal.Decimal("12345.678901"),
        duration=datetime.timedelta(days=1, seconds=5, microseconds=7),
        email="e@example.com",
        file_path="/tmp/x",
        floating=2.5,
        integer=-7,
        ip="192.168.0.1",
        json={"k": [1, 2, {"x": None}]},
        positive_big=2**50,
        positive=7,
        positive_small=3,
        slug="a-slug",
        small=-3,
        text="long text",
        time=datetime.time(23, 59, 58, 500000),
        url="https://example.com/",
        uuid="12345678-1234-5678-1234-567812345678",
    )
    Everything.objects.create()
    UUIDItem.objects.create(name="one")
    UUIDItem.objects.create(name="two")
    return {
        "ann": ann,
        "bob": bob,
        "cy": cy,
        "dee": dee,
        "eve": eve,
        "books": books,
        "tags": {"sf": sf, "classic": classic, "short": short, "award": award},
        "clubs": {"readers": readers, "writers": writers},
        "articles": {"news": news, "review": review},
    }
