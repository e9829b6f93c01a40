# generated from tests/async_/test_fields.py by codegen — do not edit

"""Every concrete field type round-trips through vinyl exactly as through Django's ``objects``.

The reference is Django itself: what ``M.objects`` reads back after ``M.objects``
wrote. A row written by Django and read by vinyl, written by vinyl and read by
Django, and written and read by vinyl must all give that same value, of the same
type (``repr`` equality: a time zone, a Decimal's exponent, bytes vs memoryview
all count). Filtering by each value must match the same rows.

Django's USE_TZ and TIME_ZONE are process-wide, so the other time-zone set-ups
(USE_TZ=False with a non-UTC TIME_ZONE; a per-alias database TIME_ZONE) run in a
fresh interpreter: this module run as a script (see the end of the file).
"""

import os
import sys

if __name__ == "__main__":
    # Run as a script by test_round_trip_under_other_time_zone_settings: configure
    # Django before the test models are imported.
    import json

    import vinyl_sync

    vinyl_sync.configure(**json.loads(os.environ["VINYL_FIELDS_CONFIG"]))

import datetime
import decimal
import json
import subprocess
import uuid
import zoneinfo

import pytest
from django.conf import settings
from django.db import connections
from helpers import fetch
from vinyltests.models import Everything, UUIDItem

FIELD_NAMES = [f.attname for f in Everything._meta.concrete_fields if not f.primary_key]


def _datetime(*args):
    """An aware datetime under USE_TZ (in a zone with an odd offset), else naive."""
    naive = datetime.datetime(*args)
    if settings.USE_TZ:
        return naive.replace(tzinfo=zoneinfo.ZoneInfo("America/Sao_Paulo"))
    return naive


def cases():
    """Field values to round-trip: extremes, unicode, nesting, precision, empties."""
    return {
        "all_null": dict.fromkeys(FIELD_NAMES),
        "extremes": {
            "big": -(2**63),
            "boolean": True,
            "binary": b"\x00\xff\x10 binary \x7f",
            "char": "naïve café — 😀 ✓ \t'\"\\%s %%",
            "date": datetime.date(1969, 7, 20),
            "datetime": _datetime(2024, 2, 29, 23, 59, 59, 999999),
            "decimal": decimal.Decimal("12345678901234.123456"),
            "duration": datetime.timedelta(days=-3, seconds=5, microseconds=7),
            "email": "ünïcode@example.com",
            "file_path": "/tmp/some file.txt",
            "floating": -0.1,
            "integer": -(2**31),
            "ip": "2001:0db8:0000:0000:0000:0000:0000:0001",
            "json": {
                "nested": {"list": [1, 2.5, None, True, False, "é€😀"], "empty": {}, "none": None},
                "ünïcode key": "value",
                "big": 2**53 + 1,
                "quote": 'it\'s "quoted" \\ and %s',
            },
            "positive_big": 2**63 - 1,
            "positive": 2**31 - 1,
            "positive_small": 32767,
            "slug": "a-slug_1",
            "small": -32768,
            "text": "line 1\nline 2\r\n" + "long text " * 2000,
            "time": datetime.time(23, 59, 59, 999999),
            "url": "https://example.com/ä/path?q=1&r=%20",
            "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        },
        "small_and_empty": {
            "big": 0,
            "boolean": False,
            "binary": b"",
            "char": "",
            "date": datetime.date(2000, 1, 1),
            "datetime": _datetime(1970, 1, 1, 0, 0, 0, 1),
            "decimal": decimal.Decimal("-0.000001"),
            "duration": datetime.timedelta(0),
            "email": "",
            "file_path": "",
            "floating": 1e308,
            "integer": 0,
            "ip": "192.168.0.1",
            "json": [1, "two", [3, {"four": 4}], None],
            "positive_big": 0,
            "positive": 0,
            "positive_small": 0,
            "slug": "",
            "small": 0,
            "text": "",
            "time": datetime.time(0, 0),
            "url": "",
            "uuid": uuid.UUID(int=0),
        },
        "json_scalars": {"json": "just a string 😀", "decimal": decimal.Decimal("1.5")},
        "json_number": {
            "json": 3.25,
            "ip": "::ffff:10.0.0.1",
            "duration": datetime.timedelta(days=400),
        },
    }


def canonical(value):
    """A value as Django's read-back gives it, for exact comparison (type and repr)."""
    if isinstance(value, memoryview):
        return ("memoryview", value.tobytes())
    return (type(value).__name__, repr(value))


def field_values(obj):
    return {name: canonical(getattr(obj, name)) for name in FIELD_NAMES}


def rows_values(rows):
    return [{key: canonical(value) for key, value in row.items()} for row in rows]


def assert_same(expected, got, what):
    """Like ``assert got == expected``, with the differing fields named (also in script mode)."""
    if got != expected:
        if isinstance(expected, dict):
            diff = {
                k: (expected.get(k), got.get(k))
                for k in expected.keys() | got.keys()
                if expected.get(k) != got.get(k)
            }
        else:
            diff = (expected, got)
        raise AssertionError(f"{what}: (Django's value, vinyl's value) differ: {diff}")


def check_round_trip(name, values):
    """Write *values* through Django and through vinyl; every read-back must be Django's."""
    django_obj = Everything.objects.create(**values)
    expected = field_values(Everything.objects.get(pk=django_obj.pk))

    vinyl_read = Everything.vinyl.get(pk=django_obj.pk)
    assert_same(expected, field_values(vinyl_read), f"{name}: written by Django, read by vinyl")
    assert_same(
        rows_values(Everything.objects.filter(pk=django_obj.pk).values(*FIELD_NAMES)),
        rows_values(fetch(Everything.vinyl.filter(pk=django_obj.pk).values(*FIELD_NAMES))),
        f"{name}: values() read by vinyl",
    )
    assert_same(
        [
            tuple(canonical(v) for v in row)
            for row in Everything.objects.filter(pk=django_obj.pk).values_list(*FIELD_NAMES)
        ],
        [
            tuple(canonical(v) for v in row)
            for row in fetch(Everything.vinyl.filter(pk=django_obj.pk).values_list(*FIELD_NAMES))
        ],
        f"{name}: values_list() read by vinyl",
    )

    vinyl_obj = Everything.vinyl.create(**values)
    assert_same(
        expected,
        field_values(Everything.objects.get(pk=vinyl_obj.pk)),
        f"{name}: written by vinyl, read by Django",
    )
    assert_same(
        expected,
        field_values(Everything.vinyl.get(pk=vinyl_obj.pk)),
        f"{name}: written and read by vinyl",
    )

    # The UPDATE path: an empty row saved with the values.
    updated = Everything.vinyl.create()
    for field, value in values.items():
        setattr(updated, field, value)
    updated.save()
    assert_same(
        expected,
        field_values(Everything.objects.get(pk=updated.pk)),
        f"{name}: updated by vinyl, read by Django",
    )
    return 3


def _outcome(run):
    try:
        return ("ok", run())
    except Exception as exc:
        return ("error", type(exc).__name__)


def _django_outcome(run):
    try:
        return ("ok", run())
    except Exception as exc:
        return ("error", type(exc).__name__)


@pytest.mark.parametrize("case", list(cases()))
def test_each_field_type_round_trips_between_django_and_vinyl(db, case):
    check_round_trip(case, cases()[case])


@pytest.mark.parametrize("case", ["extremes", "small_and_empty", "json_scalars", "json_number"])
def test_filtering_by_each_stored_value_matches_django(db, case):
    values = cases()[case]
    Everything.objects.create(**values)
    Everything.objects.create()  # a row of NULLs, which no filter below may match
    for field, value in values.items():
        if value is None:
            continue
        lookup = {field: value}
        django_result = _django_outcome(
            lambda lookup=lookup: Everything.objects.filter(**lookup).count()
        )
        vinyl_result = _outcome(lambda lookup=lookup: Everything.vinyl.filter(**lookup).count())
        assert vinyl_result == django_result, (field, value)


def test_json_null_and_sql_null_stay_distinct(db):
    from django.db.models import JSONField as DjangoJSONField
    from django.db.models import Value

    sql_null = Everything.vinyl.create(json=None, char="sql")
    json_null = Everything.vinyl.create(json=Value(None, DjangoJSONField()), char="json")
    django_rows = sorted(
        Everything.objects.filter(json__isnull=True).values_list("char", flat=True)
    )
    vinyl_rows = sorted(
        fetch(Everything.vinyl.filter(json__isnull=True).values_list("char", flat=True))
    )
    assert vinyl_rows == django_rows == ["sql"]
    assert (
        Everything.vinyl.get(pk=json_null.pk).json is Everything.objects.get(pk=json_null.pk).json
    )
    assert Everything.vinyl.get(pk=sql_null.pk).json is None


def test_binary_field_reads_back_as_the_type_django_gives(db):
    obj = Everything.objects.create(binary=b"\x00\x01payload")
    django_value = Everything.objects.get(pk=obj.pk).binary
    vinyl_value = Everything.vinyl.get(pk=obj.pk).binary
    assert type(vinyl_value) is type(django_value)
    assert bytes(vinyl_value) == bytes(django_value) == b"\x00\x01payload"


def test_uuid_primary_keys_round_trip(db):
    by_django = UUIDItem.objects.create(name="django")
    by_vinyl = UUIDItem.vinyl.create(name="vinyl")
    assert isinstance(by_vinyl.pk, uuid.UUID)
    assert UUIDItem.objects.get(pk=by_vinyl.pk).name == "vinyl"
    fetched = UUIDItem.vinyl.get(pk=by_django.pk)
    assert (type(fetched.pk), fetched.pk, fetched.name) == (uuid.UUID, by_django.pk, "django")
    keys = [by_django.pk, by_vinyl.pk]
    assert sorted(
        fetch(UUIDItem.vinyl.filter(pk__in=keys).values_list("pk", flat=True))
    ) == sorted(UUIDItem.objects.filter(pk__in=keys).values_list("pk", flat=True))
    assert UUIDItem.vinyl.filter(pk=str(by_vinyl.pk)).count() == 1


def test_decimal_precision_is_what_django_stores(db):
    values = [
        decimal.Decimal("0.000001"),
        decimal.Decimal("9999999999.999999"),
        decimal.Decimal("-1.10"),
    ]
    for value in values:
        Everything.objects.create(decimal=value)
        Everything.vinyl.create(decimal=value)
    django_values = [
        canonical(v) for v in Everything.objects.order_by("id").values_list("decimal", flat=True)
    ]
    vinyl_values = [
        canonical(v)
        for v in fetch(Everything.vinyl.order_by("id").values_list("decimal", flat=True))
    ]
    assert vinyl_values == django_values
    # Written by Django (even rows) and by vinyl (odd rows): stored alike.
    assert django_values[0::2] == django_values[1::2]


def test_aware_datetimes_compare_equal_to_the_instant_written(db):
    instant = datetime.datetime(2030, 12, 31, 23, 30, tzinfo=zoneinfo.ZoneInfo("Pacific/Chatham"))
    obj = Everything.vinyl.create(datetime=instant)
    fetched = Everything.vinyl.get(pk=obj.pk)
    assert fetched.datetime == instant
    assert fetched.datetime.utcoffset() == Everything.objects.get(pk=obj.pk).datetime.utcoffset()
    assert Everything.vinyl.filter(datetime=instant).count() == 1
    assert Everything.vinyl.filter(datetime__gt=instant).count() == 0


def _standalone_config(use_tz, time_zone, database_time_zone):
    database = dict(connections.settings["default"])
    database = {
        key: database[key] for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")
    }
    if database_time_zone and not connections["default"].features.supports_timezones:
        database["TIME_ZONE"] = database_time_zone  # Django allows it only there
    return {
        "databases": {"default": database},
        "installed_apps": ["django.contrib.contenttypes", "vinyltests"],
        "use_tz": use_tz,
        "time_zone": time_zone,
    }


@pytest.mark.parametrize(
    "use_tz, time_zone, database_time_zone",
    [(False, "America/Chicago", None), (True, "Asia/Kolkata", "Europe/Paris")],
    ids=["use_tz_false_chicago", "use_tz_true_database_time_zone"],
)
def test_round_trip_under_other_time_zone_settings(db, use_tz, time_zone, database_time_zone):
    """Every case again in a fresh interpreter configured with these settings."""
    env = dict(os.environ)
    env["VINYL_FIELDS_CONFIG"] = json.dumps(
        _standalone_config(use_tz, time_zone, database_time_zone)
    )
    env["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    done = subprocess.run(
        [sys.executable, os.path.abspath(__file__)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"use_tz={use_tz}" in done.stdout


def _round_trip_every_case():
    from django.db import connection

    import vinyl_sync

    checks = 0
    try:
        for name, values in cases().items():
            checks += check_round_trip(name, values)
    finally:
        vinyl_sync.close_pools()
        connection.close()
    print(
        f"{checks} round trips of {len(cases())} cases equal (use_tz={settings.USE_TZ}, time_zone={settings.TIME_ZONE})"
    )


if __name__ == "__main__":
    _round_trip_every_case()
