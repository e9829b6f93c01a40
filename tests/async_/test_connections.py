"""Connections: set up exactly as Django sets up its own, several aliases, routers, options.

The session a vinyl connection gets (time zone, isolation level, role, init_command,
sql_mode, PRAGMAs, encodings, ...) is compared with the session of Django's own
connection for the same ``DATABASES`` entry, by asking the server on both.

``temporary_alias`` and ``run_concurrently`` are shared with test_transactions and
test_reliability.
"""

import copy
from contextlib import asynccontextmanager

import pytest
from django.db import connections
from django.db import transaction as django_transaction
from django.test import override_settings
from django.utils.connection import ConnectionDoesNotExist
from helpers import capture_statements, fetch
from vinyltests.models import Account, Author

from vinyl_async import ConfigurationError, atomic
from vinyl_async._compat import IS_ASYNC
from vinyl_async.connections import close_database, connection_for, get_database
from vinyl_async.transaction import in_atomic_block

if IS_ASYNC:
    import asyncio
else:
    import threading


@asynccontextmanager
async def temporary_alias(name, *, options=None, **settings):
    """A DATABASES alias that exists for the block: "default" with *options* merged into
    its OPTIONS and the other keys (ENGINE, NAME, USER, VINYL, ...) replaced."""
    settings_dict = copy.deepcopy(connections.settings["default"])
    settings_dict["OPTIONS"].update(options or {})
    settings_dict.update(settings)
    connections.settings[name] = settings_dict
    try:
        yield name
    finally:
        await close_database(name)
        for wrapper in connections.all(initialized_only=True):
            if wrapper.alias == name:
                wrapper.close()
                del connections[name]
        del connections.settings[name]


async def run_concurrently(jobs):
    """Run the zero-argument callables *jobs* at once: tasks (threads in vinyl_sync).

    Returns their results in order, an exception standing for a job that raised.
    """
    if IS_ASYNC:
        return await asyncio.gather(*(job() for job in jobs), return_exceptions=True)
    else:
        results = [None] * len(jobs)

        def run(index, job):
            try:
                results[index] = job()
            except BaseException as exc:
                results[index] = exc

        threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results


async def vinyl_rows(alias, sql):
    async with connection_for(alias) as conn:
        return [tuple(row) for row in (await conn.execute(sql, None)).rows]


def django_rows(alias, sql):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]


# -- session set-up identical to Django's ------------------------------------------


def _session_probe(vendor):
    """(extra settings for an alias, SQL statements whose answers must agree)."""
    if vendor == "postgresql":
        from django.db.backends.postgresql.psycopg_any import IsolationLevel

        return (
            {
                "options": {
                    "isolation_level": IsolationLevel.SERIALIZABLE,
                    "assume_role": "vinyl_test_role",
                    "application_name": "vinyl-session-probe",
                }
            },
            [
                "SELECT current_setting('TimeZone'), current_setting('client_encoding'), "
                "current_user, session_user, current_setting('application_name'), "
                "current_setting('transaction_isolation'), current_setting('DateStyle'), "
                "current_setting('IntervalStyle'), current_setting('standard_conforming_strings'), "
                "current_setting('search_path')",
            ],
        )
    if vendor == "mysql":
        return (
            {
                "options": {
                    "isolation_level": "repeatable read",
                    "sql_mode": "STRICT_TRANS_TABLES,NO_ZERO_DATE,ONLY_FULL_GROUP_BY",
                    "init_command": "SET @vinyl_marker = 42",
                },
                "TIME_ZONE": "Europe/Paris",
            },
            [
                "SELECT @@SESSION.tx_isolation, @@SESSION.sql_mode, @vinyl_marker, "
                "@@SESSION.time_zone, @@SESSION.character_set_client, "
                "@@SESSION.character_set_connection, @@SESSION.character_set_results, "
                "@@SESSION.collation_connection, @@SESSION.sql_auto_is_null",
                # Outside a transaction both are in autocommit mode; inside one Django
                # turns it off while vinyl sends BEGIN: the same transaction either way.
            ],
        )
    return (
        {
            "options": {
                "init_command": "PRAGMA cache_size = -4321; PRAGMA temp_store = 2",
                "timeout": 3,
                "transaction_mode": "IMMEDIATE",
            }
        },
        [
            "PRAGMA foreign_keys",
            "PRAGMA legacy_alter_table",
            "PRAGMA cache_size",
            "PRAGMA temp_store",
            "PRAGMA busy_timeout",
            "SELECT django_date_extract('year', '2024-05-06'), django_date_trunc('month', '2024-05-06', NULL, NULL)",
        ],
    )


@pytest.fixture
def postgresql_role(db):
    """The role OPTIONS["assume_role"] names (PostgreSQL only; NOLOGIN, no privileges)."""
    if connections["default"].vendor == "postgresql":
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "DO $$ BEGIN CREATE ROLE vinyl_test_role NOLOGIN; "
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            )


async def test_session_is_set_up_as_django_sets_up_its_own(postgresql_role):
    vendor = connections["default"].vendor
    settings, probes = _session_probe(vendor)
    async with temporary_alias("probe", **settings) as alias:
        for sql in probes:
            # Inside a transaction on both sides: isolation levels apply there.
            with django_transaction.atomic(using=alias):
                expected = django_rows(alias, sql)
            async with atomic(using=alias):
                got = await vinyl_rows(alias, sql)
            assert got == expected, sql
            # Outside one too (vinyl's connections are the same, in autocommit).
            assert await vinyl_rows(alias, sql) == django_rows(alias, sql), sql


async def test_default_settings_session_matches_django(db):
    _settings, probes = _session_probe(connections["default"].vendor)
    for sql in probes:
        if "vinyl_marker" in sql or "current_user" in sql:
            continue
        assert await vinyl_rows("default", sql) == django_rows("default", sql), sql


async def test_transactions_begin_as_django_begins_them(db):
    vendor = connections["default"].vendor
    settings, _probes = _session_probe(vendor)
    expected = {
        "postgresql": "BEGIN ISOLATION LEVEL SERIALIZABLE",
        "mysql": "BEGIN",
        "sqlite": "BEGIN IMMEDIATE",  # OPTIONS["transaction_mode"]
    }[vendor]
    settings = {key: value for key, value in settings.items() if key == "options"}
    settings["options"].pop("assume_role", None)
    async with temporary_alias("begin_probe", **settings) as alias:
        with capture_statements() as log:
            async with atomic(using=alias):
                await Account.vinyl.using(alias).count()
        assert log.sql()[0] == expected


async def test_init_command_may_hold_several_statements_as_with_mysqlclient(db):
    """mysqlclient (Django's MySQL driver) allows it; vinyl's drivers are set up to match."""
    vendor = connections["default"].vendor
    if vendor == "mysql":
        command, probe, expected = "SET @a = 1; SET @b = 'two'", "SELECT @a, @b", [(1, "two")]
    elif vendor == "sqlite":
        command, probe, expected = (
            "PRAGMA cache_size = -1234; PRAGMA temp_store = 1",
            "PRAGMA cache_size",
            [(-1234,)],
        )
    else:
        # libpq has no init command: Django passes OPTIONS["options"] to the server.
        options = {"options": "-c statement_timeout=4321 -c work_mem=5MB"}
        async with temporary_alias("init", options=options) as alias:
            sql = "SELECT current_setting('statement_timeout'), current_setting('work_mem')"
            assert await vinyl_rows(alias, sql) == django_rows(alias, sql) == [("4321ms", "5MB")]
        return
    async with temporary_alias("init", options={"init_command": command}) as alias:
        assert await vinyl_rows(alias, probe) == expected


async def test_postgresql_binding_and_prepare_threshold_follow_options(library_rows):
    """Client-side binding and prepare_threshold=None (PgBouncer-safe) by default, as Django."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("server_side_binding and prepare_threshold are psycopg options")
    import psycopg

    def django_connection(alias):
        connections[alias].ensure_connection()
        return connections[alias].connection

    async with connection_for("default") as conn:
        assert conn.raw.prepare_threshold is None
        assert conn.raw.prepare_threshold == django_connection("default").prepare_threshold
        assert isinstance(conn.raw.cursor(), psycopg.AsyncClientCursor)
    options = {"server_side_binding": True, "prepare_threshold": 2}
    async with temporary_alias("server_binding", options=options) as alias:
        async with connection_for(alias) as conn:
            assert conn.raw.prepare_threshold == django_connection(alias).prepare_threshold == 2
            assert not isinstance(conn.raw.cursor(), psycopg.AsyncClientCursor)
        queries = [
            lambda m: (
                m.filter(name__in=["Ann", "Bob"]).order_by("name").values_list("name", flat=True)
            ),
            lambda m: m.filter(name__icontains="%").values_list("name", flat=True),
            lambda m: m.filter(name__startswith="C").values_list("age", flat=True),
            lambda m: (
                m.filter(age__gt=30, email__contains="@")
                .order_by("-age")
                .values_list("name", "age")
            ),
        ]
        for query in queries:
            assert await fetch(query(Author.vinyl.using(alias))) == list(
                query(Author.objects.using(alias))
            )


@pytest.fixture
def library_rows(db):
    Author.objects.create(name="Ann", age=34, email="ann@example.com")
    Author.objects.create(name="Bob", age=51, email="bob@example.com")
    Author.objects.create(name="Cy 100%", age=None)


# -- several aliases, using=, managers, routers ---------------------------------------


async def test_using_and_a_manager_bound_to_an_alias_run_there(db):
    with capture_statements() as log:
        created = await Account.vinyl.using("other").create(owner="ann", balance=10)
        assert (
            created._state.db
            == Account.objects.using("other").get(pk=created.pk)._state.db
            == "other"
        )
        fetched = await Account.vinyl_other.get(pk=created.pk)
        assert fetched._state.db == "other"
        assert await Account.vinyl_other.count() == 1
        fetched.balance = 20
        await fetched.save()
        await fetched.save(using="default")
    assert {alias for alias, _sql, _params in log} == {"other", "default"}
    assert [alias for alias, _sql, _params in log][-1] == "default"
    assert Account.vinyl_other.db == "other"
    assert Account.vinyl.db == "default"
    assert Account.objects.get(pk=created.pk).balance == 20


async def test_an_unknown_alias_raises_what_django_raises(db):
    with pytest.raises(ConnectionDoesNotExist):
        Account.objects.using("nowhere").count()
    with pytest.raises(ConnectionDoesNotExist, match="'nowhere'"):
        await Account.vinyl.using("nowhere").count()
    with pytest.raises(ConfigurationError):  # also vinyl's configuration error
        await Account.vinyl.using("nowhere").create(owner="x")


class ReadFromOtherRouter:
    """Django's documented router shape: reads of the test app go to "other", writes to "default"."""

    def db_for_read(self, model, **hints):
        return "other" if model._meta.app_label == "vinyltests" else None

    def db_for_write(self, model, **hints):
        return "default" if model._meta.app_label == "vinyltests" else None


async def test_database_routers_choose_the_alias_of_reads_and_writes(db):
    with override_settings(DATABASE_ROUTERS=[ReadFromOtherRouter()]):
        with capture_statements() as log:
            account = await Account.vinyl.create(owner="bob", balance=5)
        assert {alias for alias, _sql, _params in log} == {"default"}
        assert account._state.db == "default"
        with capture_statements() as log:
            fetched = await Account.vinyl.get(pk=account.pk)
            assert await Account.vinyl.filter(owner="bob").count() == 1
            assert await Account.vinyl.filter(owner="bob").exists()
        assert {alias for alias, _sql, _params in log} == {"other"}
        assert fetched._state.db == Account.objects.get(pk=account.pk)._state.db == "other"
        with capture_statements() as log:
            fetched.balance = 6
            await fetched.save()  # a write: routed to "default" (as Django routes it)
        assert {alias for alias, _sql, _params in log} == {"default"}
        with capture_statements() as log:
            assert await Account.vinyl.using("default").count() == 1  # using= wins
        assert {alias for alias, _sql, _params in log} == {"default"}
    with capture_statements() as log:
        await Account.vinyl.count()
    assert {alias for alias, _sql, _params in log} == {"default"}


async def test_atomic_blocks_on_two_aliases_are_independent_transactions(db):
    with pytest.raises(ZeroDivisionError):
        async with atomic():
            assert in_atomic_block("default") and not in_atomic_block("other")
            async with atomic(using="other"):
                assert in_atomic_block("other")
                await Account.vinyl.using("other").create(owner="kept")
            await Account.vinyl.create(owner="rolled back")
            raise ZeroDivisionError
    assert sorted(Account.objects.values_list("owner", flat=True)) == ["kept"]


async def test_vinyl_engine_names_work_for_django_and_vinyl(db):
    vendor = connections["default"].vendor
    engine = (
        "vinyl_async.backends."
        + {"postgresql": "postgresql", "mysql": "mysql", "sqlite": "sqlite3"}[vendor]
    )
    async with temporary_alias("vinyl_engine", ENGINE=engine) as alias:
        Account.objects.using(alias).create(owner="django")
        await Account.vinyl.using(alias).create(owner="vinyl")
        assert type(connections[alias]).__module__ == engine + ".base"
        assert await fetch(
            Account.vinyl.using(alias).order_by("owner").values_list("owner", flat=True)
        ) == ["django", "vinyl"]


# -- VINYL options ------------------------------------------------------------------


@pytest.mark.parametrize(
    "vinyl, named",
    [
        ({"pol": {"max_size": 2}}, "'pol'"),
        ({"pool": {"maxsize": 2}}, "'maxsize'"),
        ({"pool": {"min_size": 3, "max_size": 2}}, "min_size=3"),
        ({"pool": {"max_size": "2"}}, "'max_size'"),
        ({"pool": {"timeout": -1}}, "'timeout'"),
        ({"connect_timeout": "soon"}, "'connect_timeout'"),
        ({"pool": [("max_size", 2)]}, "'pool'"),
    ],
)
async def test_invalid_vinyl_options_name_the_alias_and_the_option(db, vinyl, named):
    async with temporary_alias("misconfigured", VINYL=vinyl) as alias:
        with pytest.raises(ConfigurationError) as raised:
            await Account.vinyl.using(alias).count()
        assert "'misconfigured'" in str(raised.value)
        assert named in str(raised.value)


async def test_pool_options_are_honoured(db):
    vinyl = {
        "pool": {"min_size": 0, "max_size": 2, "timeout": 5, "max_lifetime": 60, "max_idle": 30},
        "connect_timeout": 3,
    }
    async with temporary_alias("small_pool", VINYL=vinyl) as alias:
        database = get_database(alias)
        assert (database.options.pool.max_size, database.options.connect_timeout) == (2, 3.0)
        sizes = []

        async def hold():
            async with atomic(using=alias):
                await Account.vinyl.using(alias).count()
                sizes.append(database.pool.get_stats()["pool_size"])
                await Account.vinyl.using(alias).count()

        results = await run_concurrently([hold for _ in range(8)])
        assert results == [None] * 8
        assert 1 <= max(sizes) <= 2
        assert database.pool.get_stats()["pool_size"] <= 2


async def test_vinyl_never_opens_djangos_own_connection(db, monkeypatch):
    """Compiling, batching and features come from vinyl's connection, never Django's.

    Django answers some questions by connecting (SQLite's variable limit for bulk batch
    sizes on Django >= 6.0, the server version, ...): vinyl must have answered them.
    """
    from django.db.backends.base.base import BaseDatabaseWrapper

    connections["default"].close()

    def refuse(self):
        raise AssertionError(f"Django's own connection to {self.alias!r} was opened")

    monkeypatch.setattr(BaseDatabaseWrapper, "connect", refuse)
    authors = await Author.vinyl.bulk_create([Author(name=f"a{i}", age=i) for i in range(30)])
    by_pk = await Author.vinyl.in_bulk([a.pk for a in authors])
    assert sorted(by_pk) == sorted(a.pk for a in authors)
    for author in authors:
        author.age += 100
    assert await Author.vinyl.bulk_update(authors, ["age"], batch_size=7) == 30
    author, created = await Author.vinyl.get_or_create(name="a3", defaults={"age": 1})
    assert not created and author.age == 103
    assert await Author.vinyl.filter(age__gte=110).count() == 20
    assert (await Author.vinyl.filter(age__lt=110).delete())[0] == 10
    monkeypatch.undo()
    assert Author.objects.count() == 20
