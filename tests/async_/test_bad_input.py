"""Bad input, property-based (hypothesis): vinyl does with it exactly what Django does.

Differential, as the rest of the suite: each generated value is written through
Django's ``objects`` and through vinyl, and read back by both. Either both store it
and every read-back gives Django's value (same type and ``repr``), or both refuse
it with the same exception class (and, where the driver is the same, the same
message: PostgreSQL's "cannot contain NUL (0x00) bytes", an out-of-range integer,
a string too long for its column).

Names taken from attacker-style strings (field names, lookups, ``order_by``,
``values()``, ``annotate()`` aliases, ``F()`` references, JSON key paths) must be
rejected as Django rejects them (``FieldError``, ``ValueError``, ``TypeError``) or
run as Django runs them, with values parameterised: a canary table and the rows
the queries read must survive every example.

Example counts are bounded and the examples derandomized, so a run is reproducible
and takes seconds; the counts are printed (``helpers.report``) in the terminal summary.
"""

import datetime
import zoneinfo
from collections import Counter

import pytest
from django.db import connections
from django.db.models import Count, F
from helpers import fetch, report
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_fields import canonical
from vinyltests.models import Everything

EXAMPLES = 40

#: Django 6.1 deprecates "%" in column aliases; the names below use it on purpose.
#: and so the exact lookup with None on a JSONField, which generated JSON may hold.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Using percent signs in a column alias"),
    pytest.mark.filterwarnings("ignore:Using None as the right-hand side of an exact lookup"),
]

BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the tables are emptied per test, rows per example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# -- strategies ------------------------------------------------------------------------------

#: Strings an attacker (or an unlucky user) sends: quotes, escapes, placeholders of
#: every paramstyle, LIKE wildcards, comments, statement separators, NUL, odd unicode.
PAYLOADS = [
    "'",
    '"',
    "`",
    "\\",
    "\\'",
    "%",
    "_",
    "%%",
    "%s",
    "%(name)s",
    "?",
    ":1",
    "$1",
    "\x00",
    "a\x00b",
    "--",
    "/*",
    "*/",
    ";",
    "'; DROP TABLE vinyl_canary; --",
    '"; DROP TABLE vinyl_canary; --',
    "`; DROP TABLE vinyl_canary; --",
    "' OR '1'='1",
    "1) OR (1=1",
    "x' UNION SELECT secret FROM vinyl_canary --",
    "\\'; DELETE FROM vinyl_canary; --",
    "\u202e\ufeff\u200b",
    "😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ﷽",
    "Ǆ ß İ ı ﬃ",
    "\r\n\t\x0b\x0c",
]

texts = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=40),  # any code point but surrogates (they cannot be encoded), NUL too
    st.lists(st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=8)), max_size=6).map("".join),
)

#: Integers at and beyond every column's range (also beyond 64 bits).
integers = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([2**15, -(2**15) - 1, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 2**64]),
    st.integers(min_value=-(2**80), max_value=2**80),
)

#: ``DecimalField(max_digits=20, decimal_places=6)``: in range, too many places, too big.
decimals = st.one_of(
    st.decimals(min_value=-(10**13), max_value=10**13, places=6),
    st.decimals(min_value=-(10**13), max_value=10**13, places=9),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.decimals(min_value=-(10**4), max_value=10**4, places=0).map(lambda d: d.scaleb(20)),
)

#: Aware datetimes in any IANA zone (DST folds and gaps included), as USE_TZ=True wants.
aware_datetimes = st.datetimes(
    min_value=datetime.datetime(1000, 1, 2),
    max_value=datetime.datetime(9999, 12, 30),
    timezones=st.timezones(),
    allow_imaginary=True,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)

FIELDS = {
    "char": texts,  # CharField(max_length=100): longer strings are refused by servers
    "text": texts,
    "binary": st.binary(max_size=300),
    "big": integers,
    "integer": integers,
    "small": integers,
    "positive_small": integers,
    "decimal": decimals,
    "floating": st.floats(),  # NaN and infinities included
    "datetime": aware_datetimes,
    "date": st.dates(),
    "time": st.times(),  # naive: Django refuses aware times for TimeField on most backends
    "duration": st.timedeltas(),
    "json": json_values,
}

#: Lookups tried with each stored value, per kind of field.
LOOKUPS = {
    "char": ["exact", "iexact", "contains", "icontains", "startswith", "iendswith", "gt"],
    "text": ["exact", "contains", "istartswith", "endswith", "lte"],
    "binary": ["exact"],
    "json": ["exact", "contains"],
}
ORDERED_LOOKUPS = ["exact", "gt", "lte"]


# -- outcomes --------------------------------------------------------------------------------


def django_outcome(run):
    try:
        return ("ok", run())
    except Exception as exc:
        return ("error", exc)


async def vinyl_outcome(run):
    try:
        return ("ok", await run())
    except Exception as exc:
        return ("error", exc)


def same_driver():
    """Vinyl's driver is Django's (psycopg; sqlite3 under aiosqlite): messages must match too."""
    return connections["default"].vendor in ("postgresql", "sqlite")


def first_line(error):
    return str(error).partition("\n")[0]


def assert_same_outcome(django, vinyl, what):
    """Both succeeded with equal results, or vinyl raised what Django raised."""
    if django[0] == "error":
        error = django[1]
        assert vinyl[0] == "error", f"{what}: Django raised {error!r}, vinyl gave {vinyl[1]!r}"
        assert isinstance(vinyl[1], type(error)), (
            f"{what}: Django raised {error!r}, vinyl raised {vinyl[1]!r}"
        )
        if same_driver() or type(error).__module__ != "django.db.utils":
            # The first line: details may name a row's id, which differs.
            assert first_line(vinyl[1]) == first_line(error), f"{what}: messages differ"
    else:
        assert vinyl[0] == "ok", f"{what}: Django gave {django[1]!r}, vinyl raised {vinyl[1]!r}"
        assert vinyl[1] == django[1], f"{what}: Django gave {django[1]!r}, vinyl {vinyl[1]!r}"


def outcome_name(outcome):
    return "stored" if outcome[0] == "ok" else type(outcome[1]).__name__


# -- values round-trip as through Django -----------------------------------------------------


def read_by_django(pk, field):
    return canonical(getattr(Everything.objects.get(pk=pk), field))


async def read_by_vinyl(pk, field):
    return canonical(getattr(await Everything.vinyl.get(pk=pk), field))


async def vinyl_create(field, value):
    return (await Everything.vinyl.create(**{field: value})).pk


async def vinyl_values_list(pks, field):
    rows = await fetch(Everything.vinyl.filter(pk__in=pks).order_by("pk").values_list(field))
    return [canonical(value) for (value,) in rows]


def django_values_list(pks, field):
    rows = Everything.objects.filter(pk__in=pks).order_by("pk").values_list(field)
    return [canonical(value) for (value,) in rows]


async def check_value(field, value, seen):
    """Write *value* through Django and vinyl (INSERT, UPDATE); compare every read-back."""
    what = f"{field}={value!r}"
    by_django = django_outcome(lambda: Everything.objects.create(**{field: value}).pk)
    by_vinyl = await vinyl_outcome(lambda: vinyl_create(field, value))
    seen[outcome_name(by_django)] += 1
    if by_django[0] == "error":
        assert_same_outcome(by_django, by_vinyl, f"INSERT {what}")
    else:
        assert by_vinyl[0] == "ok", (
            f"INSERT {what}: Django stored it, vinyl raised {by_vinyl[1]!r}"
        )
        # Django may refuse to read back what it stored (a decimal beyond max_digits on
        # SQLite): then vinyl must refuse alike.
        expected = django_outcome(lambda: read_by_django(by_django[1], field))
        assert_same_outcome(
            expected,
            django_outcome(lambda: read_by_django(by_vinyl[1], field)),
            f"{what}: vinyl wrote, Django read",
        )
        for pk, how in [(by_django[1], "Django wrote"), (by_vinyl[1], "vinyl wrote")]:
            assert_same_outcome(
                expected,
                await vinyl_outcome(lambda pk=pk: read_by_vinyl(pk, field)),
                f"{what}: {how}, vinyl read",
            )
        pks = [by_django[1], by_vinyl[1]]
        assert_same_outcome(
            django_outcome(lambda: django_values_list(pks, field)),
            await vinyl_outcome(lambda: vinyl_values_list(pks, field)),
            f"{what}: values_list()",
        )

    # The UPDATE path, on an empty row each.
    django_row = Everything.objects.create().pk
    vinyl_row = Everything.objects.create().pk
    updated_by_django = django_outcome(
        lambda: Everything.objects.filter(pk=django_row).update(**{field: value})
    )
    updated_by_vinyl = await vinyl_outcome(
        lambda: Everything.vinyl.filter(pk=vinyl_row).update(**{field: value})
    )
    assert_same_outcome(updated_by_django, updated_by_vinyl, f"UPDATE {what}")
    assert_same_outcome(
        django_outcome(lambda: read_by_django(django_row, field)),
        django_outcome(lambda: read_by_django(vinyl_row, field)),
        f"UPDATE {what}: read by Django",
    )

    # Filtering by the value (and by lookups built on it) matches the same rows.
    lookups = LOOKUPS.get(field, ORDERED_LOOKUPS)
    for lookup in lookups:
        condition = {f"{field}__{lookup}": value}
        assert_same_outcome(
            django_outcome(lambda c=condition: Everything.objects.filter(**c).count()),
            await vinyl_outcome(lambda c=condition: Everything.vinyl.filter(**c).count()),
            f"filter({field}__{lookup}={value!r})",
        )


@pytest.fixture
def tally(request):
    """Counts of a hypothesis test's examples and outcomes, reported when it ends."""
    seen = Counter()
    yield seen
    outcomes = ", ".join(f"{count} {key}" for key, count in sorted(seen.items()) if key)
    report(f"{request.node.name}: {seen['']} hypothesis examples ({outcomes})")


@pytest.mark.parametrize("field", list(FIELDS))
@BOUNDED
@given(data=st.data())
async def test_arbitrary_values_round_trip_or_fail_exactly_as_through_django(
    db, tally, field, data
):
    """Arbitrary unicode (NUL too), bytes, huge ints, decimals, datetimes in any zone, ..."""
    tally[""] += 1
    value = data.draw(FIELDS[field], label=field)
    await check_value(field, value, tally)
    # Every statement either ran or failed alone: vinyl's connection is still usable.
    assert await Everything.vinyl.count() == Everything.objects.count()


# -- attacker-style names are rejected or parameterised ---------------------------------------

CANARY_SECRET = "the canary's secret"

NAME_PAYLOADS = [
    "id; DROP TABLE vinyl_canary",
    'id"; DROP TABLE vinyl_canary; --',
    "id`; DROP TABLE vinyl_canary; --",
    "id'; DROP TABLE vinyl_canary; --",
    "id) FROM vinyl_canary; --",
    "(SELECT secret FROM vinyl_canary)",
    "id UNION SELECT secret FROM vinyl_canary",
    "id--",
    "id/*",
    "* ",
    "*",
    "?",
    "%s",
    "1",
    "-",
    "--id",
    "__",
    "id__",
    "pk",
    "-pk",
    "id__gt__lt",
    "char__regex",
    "char__contains",
    "json__a'b",
    'json__a") OR 1=1 --',
    "json__'; DROP TABLE vinyl_canary; --",
    'json__"key"',
    "json__key\x00",
    "json__0__-1",
    "json__%s",
    "mentor__name",
    "char__lower__contains",
    "Char",
    "id ",
    "\x00",
]

REAL_PREFIXES = ["", "-", "?", "char__", "json__", "json__key__", "text__", "-json__", "id__"]

names = st.one_of(
    st.sampled_from(NAME_PAYLOADS),
    st.text(max_size=20),
    st.tuples(
        st.sampled_from(REAL_PREFIXES), st.one_of(st.sampled_from(NAME_PAYLOADS), st.text())
    ).map("".join),
)


def comparable(row):
    if isinstance(row, Everything):
        return (canonical(row.pk),)
    return tuple(canonical(v) for v in (row.values() if isinstance(row, dict) else row))


def by_pk(rows):
    """Rows (instances, dicts, tuples) made comparable, in one order for Django's and vinyl's."""
    return sorted((comparable(row) for row in rows), key=repr)


def operations(manager, name):
    """Queries built from *name*, each as a callable returning comparable results."""
    rows = manager.all()
    return {
        "filter": lambda: rows.filter(**{name: "x"}).values_list("pk"),
        "exclude": lambda: rows.exclude(**{name: 1}).values_list("pk"),
        "filter by F()": lambda: rows.filter(char=F(name)).values_list("pk"),
        "order_by": lambda: rows.order_by(name).values_list("pk"),
        "values": lambda: rows.values(name),
        "values_list": lambda: rows.values_list(name),
        "values(alias=...)": lambda: rows.values(**{name: F("char")}),
        "annotate": lambda: rows.annotate(**{name: F("id")}).values_list("pk", name),
        "aggregate": lambda: rows.aggregate(**{name: Count("id")}),
        "only": lambda: rows.only(name),
        "defer": lambda: rows.defer(name),
        "update": lambda: rows.update(**{name: "x"}),
        "create": lambda: manager.create(**{name: "x"}),
    }


def django_result(query):
    result = query()
    if isinstance(result, (dict, int)):
        return result if isinstance(result, int) else by_pk([result])
    if isinstance(result, Everything):
        return "created"
    return by_pk(list(result))


async def vinyl_result(query):
    result = query()
    if not isinstance(result, (dict, int, Everything)) and hasattr(result, "query"):
        return by_pk(await fetch(result))
    result = await result
    if isinstance(result, Everything):
        return "created"
    return result if isinstance(result, int) else by_pk([result])


@pytest.fixture
def canary(db):
    """A table and rows that an injected statement would drop, change or leak."""
    quote = connections["default"].ops.quote_name
    with connections["default"].cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote('vinyl_canary')}")  # a failed test's
        cursor.execute(f"CREATE TABLE {quote('vinyl_canary')} (secret varchar(50))")
        cursor.execute(
            f"INSERT INTO {quote('vinyl_canary')} (secret) VALUES (%s)", [CANARY_SECRET]
        )
    rows = [
        Everything.objects.create(char="canary", json={"key": "value", "a'b": 1}, text="one"),
        Everything.objects.create(char="second", json=[1, 2], text="two"),
    ]
    snapshot = canary_state()
    yield snapshot
    assert canary_state() == snapshot  # also after the last example
    assert {obj.pk for obj in rows} == set(Everything.objects.values_list("pk", flat=True))
    with connections["default"].cursor() as cursor:
        cursor.execute(f"DROP TABLE {quote('vinyl_canary')}")


def canary_state():
    quote = connections["default"].ops.quote_name
    with connections["default"].cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {quote('vinyl_canary')}")
        secrets = cursor.fetchall()
    rows = list(Everything.objects.order_by("pk").values_list("pk", "char", "text", "json"))
    return secrets, rows


@settings(BOUNDED, max_examples=EXAMPLES * 3)
@given(name=names)
@example(name="%s")  # MySQL: ProgrammingError, as mysqlclient gives Django (was a TypeError)
@example(name="id; DROP TABLE vinyl_canary")
@example(name='json__a") OR 1=1 --')
async def test_attacker_style_names_are_rejected_as_django_rejects_them(canary, tally, name):
    """Field names, lookups, order_by, values(), aliases from hostile strings: no injection."""
    tally[""] += 1
    django_operations = operations(Everything.objects, name)
    vinyl_operations = operations(Everything.vinyl, name)
    for operation, django_query in django_operations.items():
        by_django = django_outcome(lambda q=django_query: django_result(q))
        by_vinyl = await vinyl_outcome(lambda q=vinyl_operations[operation]: vinyl_result(q))
        assert_same_outcome(by_django, by_vinyl, f"{operation} with name {name!r}")
        tally[f"{operation} {outcome_name(by_django)}"] += 1
        if by_django[0] == "ok" and operation in ("update", "create"):
            raise AssertionError(f"{operation} with name {name!r} was accepted")
    assert canary_state() == canary, f"name {name!r} changed the canary table or rows"


@BOUNDED
@given(value=texts, lookup=st.sampled_from(LOOKUPS["char"] + ["in", "regex", "iregex"]))
@example(value="'; DROP TABLE vinyl_canary; --", lookup="exact")
@example(value="%' OR '1'='1", lookup="icontains")
async def test_attacker_style_values_are_parameterised(canary, tally, value, lookup):
    """The same strings as values in every lookup, and as JSON key paths: data, never SQL."""
    tally[""] += 1
    argument = [value, "canary"] if lookup == "in" else value
    condition = {f"char__{lookup}": argument}
    by_django = django_outcome(
        lambda: by_pk(Everything.objects.filter(**condition).values_list("pk"))
    )
    assert_same_outcome(
        by_django,
        await vinyl_outcome(
            lambda: vinyl_rows(Everything.vinyl.filter(**condition).values_list("pk"))
        ),
        f"filter(char__{lookup}={value!r})",
    )
    tally[f"{lookup} {outcome_name(by_django)}"] += 1
    json_condition = {f"json__{value}": "value"}
    by_django = django_outcome(lambda: Everything.objects.filter(**json_condition).count())
    assert_same_outcome(
        by_django,
        await vinyl_outcome(lambda: Everything.vinyl.filter(**json_condition).count()),
        f"filter(json__{value!r}='value')",
    )
    tally[f"json key {outcome_name(by_django)}"] += 1
    assert canary_state() == canary, f"value {value!r} changed the canary table or rows"


async def vinyl_rows(queryset):
    return by_pk(await fetch(queryset))


async def test_nul_in_a_string_gives_djangos_clear_error(db):
    """PostgreSQL refuses NUL in text: the same error (and message) as Django's, no crash."""
    seen = Counter()
    for field in ("char", "text", "json"):
        await check_value(field, "a\x00b", seen)
    by_vinyl = await vinyl_outcome(lambda: vinyl_create("char", "a\x00b"))
    if connections["default"].vendor == "postgresql":
        assert by_vinyl[0] == "error" and "NUL" in str(by_vinyl[1]), by_vinyl
        error = by_vinyl[1]
        report(f"NUL on PostgreSQL: {type(error).__module__}.{type(error).__name__}: {error}")
    else:
        assert await read_by_vinyl(by_vinyl[1], "char") == canonical("a\x00b")
    # The connection is still usable, and nothing half-written is left.
    assert await Everything.vinyl.count() == Everything.objects.count()


def _zone_examples():
    zone = zoneinfo.ZoneInfo("America/New_York")
    return [
        datetime.datetime(2021, 11, 7, 1, 30, tzinfo=zone),  # ambiguous: fold=0
        datetime.datetime(2021, 11, 7, 1, 30, fold=1, tzinfo=zone),  # ambiguous: fold=1
        datetime.datetime(2021, 3, 14, 2, 30, tzinfo=zone),  # imaginary (spring gap)
        datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=14))),
        datetime.datetime(
            2000, 1, 1, tzinfo=datetime.timezone(-datetime.timedelta(hours=23, minutes=59))
        ),
    ]


@pytest.mark.parametrize("index", range(len(_zone_examples())))
async def test_datetimes_at_dst_folds_and_gaps_round_trip_as_through_django(db, index):
    """Ambiguous and imaginary local times, extreme offsets (PostgreSQL refuses -23:59)."""
    seen = Counter()
    await check_value("datetime", _zone_examples()[index], seen)
    assert sum(seen.values()) == 1
