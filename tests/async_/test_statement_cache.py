"""The compiled-statement cache never returns SQL or parameters a fresh compile would not.

Thousands of random query shapes (filters with many lookups and values, None,
``__in`` lists of different lengths, Q objects, exclude, F(), order_by, slicing,
select_related, values / values_list, only / defer, distinct, annotate, subqueries)
go through ``statement_cache.compile_select`` several times each with new values,
in one shared cache; each time the SQL and parameters (types included) must be
those of a fresh compile of the same query. Part of them are also evaluated through
``M.vinyl`` and ``M.objects``: results and statement counts must be equal.
"""

import datetime
import decimal
import random

import pytest
from differential import assert_same, build_world, django_side, run_django, run_vinyl, vinyl_side
from django.core.exceptions import EmptyResultSet
from django.db.models import Count, F, Q
from helpers import fetch, report
from vinyltests.models import Author, Book

from vinyl_async import statement_cache

SEED = 20261203
SHAPES = 700
VALUE_SETS = 4  # each shape compiled with this many value sets (first one fills the cache)
EVALUATE_EVERY = 3  # every third query instance is also evaluated on both sides

TITLES = ["Dune", "Emma", "Ubik", "Hyperion", "Solaris", "Nobody", "", "50%_off", "it's"]
NAMES = ["Ann", "Bob", "Cy", "Dee", "Eve", "Zed", "a%", "_"]


def _ints(rng):
    return rng.choice([0, 1, 2, 3, 202, 249, 300, 412, 482, -1, 10**6])


def _int_list(rng):
    size = rng.choice([0, 1, 1, 2, 3, 5])
    values = [_ints(rng) for _ in range(size)]
    if rng.random() < 0.2:
        values.append(None)
    if values and rng.random() < 0.2:
        values.append(values[0])  # duplicates: Django drops them
    return values


def _date(rng):
    return rng.choice(
        [datetime.date(1965, 8, 1), datetime.date(1900, 1, 1), datetime.date(1984, 7, 1)]
    )


def _maybe_none(rng, value, p=0.15):
    return None if rng.random() < p else value


# (lookup, value generator): the lookup decides the shape, the value may change it too.
LEAVES = [
    ("pages", lambda r: _maybe_none(r, _ints(r))),
    ("pages__gt", _ints),
    ("pages__gte", _ints),
    ("pages__lt", _ints),
    ("pages__lte", _ints),
    ("pages__in", _int_list),
    ("pages__range", lambda r: sorted([_ints(r), _ints(r)])),
    ("pages__isnull", lambda r: r.random() < 0.5),
    ("pk", lambda r: r.choice([1, 2, 3, "2", 99])),
    ("pk__in", _int_list),
    ("id__lte", _ints),
    ("title", lambda r: _maybe_none(r, r.choice(TITLES))),
    ("title__iexact", lambda r: r.choice(TITLES)),
    ("title__contains", lambda r: r.choice(TITLES)),
    ("title__icontains", lambda r: r.choice(TITLES)),
    ("title__startswith", lambda r: r.choice(TITLES)),
    ("title__endswith", lambda r: r.choice(TITLES)),
    ("title__in", lambda r: r.sample(TITLES, r.choice([0, 1, 2, 4]))),
    ("rating", lambda r: _maybe_none(r, r.choice([4.5, 3.9, 4.0, 4]))),
    ("rating__gt", lambda r: r.choice([3.5, 4, 4.2])),
    ("rating__isnull", lambda r: r.random() < 0.5),
    ("price__lt", lambda r: decimal.Decimal(r.choice(["8.00", "9.99", "100"]))),
    ("price", lambda r: r.choice([decimal.Decimal("9.99"), "7.50", 5])),
    ("published", lambda r: _maybe_none(r, _date(r))),
    ("published__year", lambda r: r.choice([1965, 1969, 2000])),
    ("published__gt", _date),
    ("published__range", lambda r: (datetime.date(1900, 1, 1), _date(r))),
    ("published__isnull", lambda r: r.random() < 0.5),
    ("author__name", lambda r: r.choice(NAMES)),
    ("author__name__in", lambda r: r.sample(NAMES, r.choice([1, 2, 3]))),
    ("author__age__gt", lambda r: r.choice([20, 30, 50])),
    ("author__age", lambda r: _maybe_none(r, r.choice([34, 51, 28]), 0.3)),
    ("author__age__in", lambda r: [_maybe_none(r, r.choice([34, 51, 28])) for _ in range(2)]),
    ("author__mentor__name", lambda r: r.choice(NAMES)),
    ("author_id", lambda r: _maybe_none(r, r.choice([1, 2, 3]))),
    ("author__in", lambda r: [r.choice([1, 2, 3, 4]) for _ in range(r.choice([1, 2]))]),
    ("publisher", lambda r: _maybe_none(r, r.choice([1, 2]), 0.4)),
    ("publisher__isnull", lambda r: r.random() < 0.5),
    ("publisher__name", lambda r: r.choice(["Tor", "Penguin", "Nope"])),
    ("publisher__country__in", lambda r: r.sample(["UK", "US", ""], r.choice([1, 2]))),
    ("tags__name", lambda r: r.choice(["sf", "classic", "none"])),
    ("metadata__series", lambda r: r.choice(["dune", "cantos", "x"])),
    ("metadata__n", lambda r: r.choice([1, 2])),
    ("metadata__has_key", lambda r: r.choice(["series", "n", "tags"])),
]

F_LEAVES = [
    ("pages__gt", lambda r: F("author__age")),
    ("pages__lt", lambda r: F("pages") + r.choice([1, 10])),
    ("rating__gte", lambda r: F("pages") / 100),
]

ORDERINGS = ["title", "-title", "-pages", "pages", "author__name", "-rating", "published"]
SELECT_RELATED = [("author",), ("publisher",), ("author__mentor",), ("author", "publisher")]
VALUES = [("title",), ("pk", "title"), ("title", "author__name"), ("pages", "rating", "price")]


class Shape:
    """A random query shape: structural choices from one rng, values from another."""

    def __init__(self, seed):
        self.seed = seed

    def build(self, side, values_seed):
        s = random.Random(self.seed)  # structure
        v = random.Random(values_seed)  # values
        model = Book
        qs = side(model).all()
        for _ in range(s.choice([0, 1, 1, 2, 3])):
            qs = self._filter(qs, s, v, side)
        if s.random() < 0.5:
            qs = qs.order_by(*s.sample(ORDERINGS, s.choice([1, 2])), "pk")
        sliced = s.random() < 0.35
        if sliced and not qs.ordered:
            qs = qs.order_by("pk")
        if s.random() < 0.25:
            qs = qs.select_related(*s.choice(SELECT_RELATED))
        if s.random() < 0.1:
            qs = qs.only("title", "pages") if s.random() < 0.5 else qs.defer("metadata")
        if s.random() < 0.1:
            qs = (
                qs.annotate(n_tags=Count("tags"))
                if s.random() < 0.5
                else qs.annotate(double=F("pages") * 2)
            )
        if s.random() < 0.1:
            qs = qs.distinct()
        kind = s.random()
        if kind < 0.15:
            qs = qs.values(*s.choice(VALUES))
        elif kind < 0.3:
            fields = s.choice(VALUES)
            if len(fields) == 1 and s.random() < 0.5:
                qs = qs.values_list(*fields, flat=True)
            else:
                qs = qs.values_list(*fields, named=s.random() < 0.3)
        if sliced:
            start = s.choice([0, 0, 1, 2])
            qs = qs[start : start + s.choice([1, 2, 5, 21])]
        return qs

    def _leaf(self, s, v, side):
        if s.random() < 0.06:
            lookup, make = s.choice(F_LEAVES)
            return {lookup: make(v)}
        if s.random() < 0.03:
            return {"author__in": side(Author).filter(age__gt=v.choice([20, 40]))}
        lookup, make = s.choice(LEAVES)
        return {lookup: make(v)}

    def _q(self, s, v, side, depth=0):
        if depth < 2 and s.random() < 0.3:
            left, right = self._q(s, v, side, depth + 1), self._q(s, v, side, depth + 1)
            q = (left | right) if s.random() < 0.5 else (left & right)
        else:
            q = Q(**self._leaf(s, v, side))
        return ~q if s.random() < 0.15 else q

    def _filter(self, qs, s, v, side):
        choice = s.random()
        if choice < 0.45:
            kwargs = {}
            for _ in range(s.choice([1, 1, 2])):
                kwargs.update(self._leaf(s, v, side))
            return qs.filter(**kwargs)
        if choice < 0.6:
            return qs.exclude(**self._leaf(s, v, side))
        return qs.filter(self._q(s, v, side))


def _fresh(query, alias):
    try:
        return ("sql", *_plain(query.chain().get_compiler(using=alias).as_sql()))
    except EmptyResultSet:
        return ("empty",)
    except Exception as exc:  # Django rejects the combination when compiling
        return ("error", type(exc), str(exc))


def _through_cache(query, alias):
    try:
        _, sql, params = statement_cache.compile_select(
            query.chain(), alias, lambda compiler: compiler.as_sql()
        )
    except EmptyResultSet:
        return ("empty",)
    except Exception as exc:
        return ("error", type(exc), str(exc))
    return ("sql", *_plain((sql, params)))


def _plain(compiled):
    sql, params = compiled
    return sql, [(type(p), _comparable(p)) for p in params]


def _comparable(param):
    """A parameter as an equality-comparable value (psycopg's Jsonb has no ``__eq__``)."""
    if type(param).__eq__ is object.__eq__:
        return ("obj", getattr(param, "obj", repr(param)))
    return param


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def fresh_cache():
    was = statement_cache.enabled()
    statement_cache.set_enabled(True)
    statement_cache.clear()
    yield
    statement_cache.clear()
    statement_cache.set_enabled(was)


async def test_random_query_shapes_match_a_fresh_compile_and_django(world, fresh_cache):
    rng = random.Random(SEED)
    shapes = [Shape(rng.getrandbits(32)) for _ in range(SHAPES)]
    checked = evaluated = 0
    for number, shape in enumerate(shapes):
        for value_set in range(VALUE_SETS):
            values_seed = shape.seed * 31 + value_set
            try:
                qs = shape.build(vinyl_side, values_seed)
            except Exception:  # an invalid combination: Django raises while building
                continue
            alias = qs.db
            expected = _fresh(qs.query, alias)
            got = _through_cache(qs.query, alias)
            assert got == expected, (
                f"shape {number} ({shape.seed}), values {value_set}: {qs.query}"
            )
            checked += 1
            if (number * VALUE_SETS + value_set) % EVALUATE_EVERY:
                continue
            django_outcome, django_count = run_django(
                lambda shape=shape, values_seed=values_seed: list(
                    shape.build(django_side, values_seed)
                )
            )

            async def vinyl_call(shape=shape, values_seed=values_seed):
                return await fetch(shape.build(vinyl_side, values_seed))

            vinyl_outcome, vinyl_count = await run_vinyl(vinyl_call)
            if django_outcome[0] == "ok" and not shape.build(django_side, values_seed).ordered:
                # unordered results: compare as multisets
                django_outcome = ("ok", sorted(django_outcome[1], key=repr))
                vinyl_outcome = (vinyl_outcome[0], sorted(vinyl_outcome[1], key=repr))
            assert_same(vinyl_outcome, django_outcome)
            assert vinyl_count == django_count
            evaluated += 1
    stats = statement_cache.info()
    report(f"statement cache: {checked} compiles checked, {evaluated} evaluated, {stats}")
    assert checked >= 2000, checked
    assert evaluated >= 500, evaluated
    # The cache is used, not bypassed wholesale.
    assert stats["hits"] >= checked // 3, stats
    assert stats["bypassed"] > 0, stats


async def test_values_that_change_the_sql_are_never_served_from_another_shape(fresh_cache):
    cases = [
        [Book.vinyl.filter(pages__in=[1]), Book.vinyl.filter(pages__in=[1, 2])],
        [Book.vinyl.filter(pages__in=[1, None]), Book.vinyl.filter(pages__in=[3])],
        [Book.vinyl.filter(rating=4.5), Book.vinyl.filter(rating=None)],
        [Book.vinyl.filter(author__age__in=[None, 3]), Book.vinyl.filter(author__age__in=[4, 5])],
        [Book.vinyl.all()[:2], Book.vinyl.all()[:3], Book.vinyl.all()[1:3]],
        [Book.vinyl.filter(pages__gt=1), Book.vinyl.filter(pages__gt=F("author__age"))],
        [Book.vinyl.filter(title__contains="a%"), Book.vinyl.filter(title__contains="b")],
        [Book.vinyl.extra(where=["1 = 1"]), Book.vinyl.extra(where=["2 = 2"])],
    ]
    for variants in cases:
        for _ in range(2):
            for qs in variants:
                assert _through_cache(qs.query, "default") == _fresh(qs.query, "default")


async def test_queries_that_must_bypass_the_cache(fresh_cache):
    from django.db.models.expressions import RawSQL

    bypassing = [
        Book.vinyl.extra(select={"x": "1"}),
        Book.vinyl.annotate(x=RawSQL("%s", (1,))),
        Book.vinyl.filter(pages__in=[]),
        Book.vinyl.none(),
        Book.vinyl.filter(id__in=Book.vinyl.filter(pages__gt=1).values("id")),
        Book.vinyl.values("title").union(Book.vinyl.values("title")),
        Book.vinyl.annotate(n=Count("tags")).filter(n__gt=1),
    ]
    for qs in bypassing:
        before = statement_cache.info()
        assert _through_cache(qs.query, "default") == _fresh(qs.query, "default")
        after = statement_cache.info()
        assert after["entries"] == before["entries"], qs.query


async def test_a_hit_evaluates_like_django(world, fresh_cache):
    for pk in (1, 2, 3, 99):
        expected = list(Book.objects.filter(pk=pk).select_related("author"))
        got = await fetch(Book.vinyl.filter(pk=pk).select_related("author"))
        assert [(b.pk, b.title, b["author"].name) for b in got] == [
            (b.pk, b.title, b.author.name) for b in expected
        ]
    assert statement_cache.info()["hits"] >= 3


async def test_the_cache_can_be_turned_off(world, fresh_cache):
    statement_cache.set_enabled(False)
    got = await fetch(Book.vinyl.filter(pk=1))
    got = await fetch(Book.vinyl.filter(pk=2))
    assert [b.pk for b in got] == [2]
    assert statement_cache.info()["entries"] == 0
