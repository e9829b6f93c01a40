"""Test set-up: one backend per run, chosen by VINYL_TEST_BACKEND (sqlite, postgresql, mysql).

PostgreSQL comes from VINYL_TEST_POSTGRES, MariaDB/MySQL from VINYL_TEST_MYSQL; each run
creates a database of its own on that server (``vinyl_<flavor>_<pid>``) and drops it at
the end (VINYL_TEST_SHARED_DATABASE=1 uses the URL's database itself). An
unreachable server skips the run with the reason, unless CI or
VINYL_REQUIRE_BACKENDS is set: then it is a failure.

Tables are created once per session with Django's schema editor and emptied before
each test. Tests compare vinyl with Django's own ``objects`` on the same database,
so Django's connection is used here too (one per thread, as in a sync program).
"""

import os
import socket
import sys
import tempfile
from urllib.parse import unquote, urlparse

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # the 'vinyltests' app
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Django's side of differential tests

import vinyl_async  # noqa: E402
from vinyl_async._compat import IS_ASYNC  # noqa: E402

BACKEND = os.environ.get("VINYL_TEST_BACKEND", "sqlite")
REQUIRED = bool(os.environ.get("CI") or os.environ.get("VINYL_REQUIRE_BACKENDS"))
FLAVOR = "async" if IS_ASYNC else "sync"


def _server_settings(url: str, engine: str, default_port: int) -> dict:
    parsed = urlparse(url)
    return {
        "ENGINE": engine,
        "NAME": parsed.path.lstrip("/") or "test",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "127.0.0.1",
        "PORT": str(parsed.port or default_port),
    }


def database_settings() -> dict:
    if BACKEND == "sqlite":
        path = os.path.join(tempfile.gettempdir(), f"vinyl-tests-{FLAVOR}-{os.getpid()}.sqlite3")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    if BACKEND == "postgresql":
        url = os.environ.get("VINYL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
        return _server_settings(url, "django.db.backends.postgresql", 5432)
    if BACKEND == "mysql":
        url = os.environ.get("VINYL_TEST_MYSQL", "mysql://root@127.0.0.1:3306/test")
        return _server_settings(url, "django.db.backends.mysql", 3306)
    raise pytest.UsageError(f"VINYL_TEST_BACKEND={BACKEND!r}: use sqlite, postgresql or mysql")


DATABASE = database_settings()
#: The server database named by the URL; each run works in a database of its own beside
#: it (created in pytest_configure, dropped at the end), so concurrent runs never collide.
SERVER_DATABASE = DATABASE["NAME"]


def _server_admin(sql: str) -> None:
    """Run *sql* (CREATE / DROP DATABASE) outside a transaction on the URL's database."""
    if BACKEND == "postgresql":
        import psycopg

        with psycopg.connect(
            dbname=SERVER_DATABASE,
            user=DATABASE["USER"],
            password=DATABASE["PASSWORD"] or None,
            host=DATABASE["HOST"],
            port=DATABASE["PORT"],
            autocommit=True,
            connect_timeout=10,
        ) as conn:
            conn.execute(sql)
    else:
        import pymysql

        conn = pymysql.connect(
            database=SERVER_DATABASE,
            user=DATABASE["USER"],
            password=DATABASE["PASSWORD"],
            host=DATABASE["HOST"],
            port=int(DATABASE["PORT"]),
            connect_timeout=10,
        )
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
        finally:
            conn.close()


def _create_run_database() -> None:
    if BACKEND == "sqlite" or os.environ.get("VINYL_TEST_SHARED_DATABASE"):
        return
    name = f"vinyl_{FLAVOR}_{os.getpid()}"
    _server_admin(f"DROP DATABASE IF EXISTS {name}")
    charset = " CHARACTER SET utf8mb4" if BACKEND == "mysql" else ""
    _server_admin(f"CREATE DATABASE {name}{charset}")
    DATABASE["NAME"] = name


def _drop_run_database() -> None:
    if DATABASE["NAME"] != SERVER_DATABASE:
        force = " WITH (FORCE)" if BACKEND == "postgresql" else ""
        _server_admin(f"DROP DATABASE IF EXISTS {DATABASE['NAME']}{force}")


def _unreachable_reason() -> str | None:
    if BACKEND == "sqlite":
        return None
    try:
        with socket.create_connection((DATABASE["HOST"], int(DATABASE["PORT"])), timeout=3):
            return None
    except OSError as exc:
        return f"{BACKEND} at {DATABASE['HOST']}:{DATABASE['PORT']} is unreachable ({exc})"


UNREACHABLE = _unreachable_reason()


def pytest_report_header(config):
    return [
        f"vinyl: {vinyl_async.__name__} {vinyl_async.__version__} from {vinyl_async.__file__}",
        f"vinyl backend: {BACKEND} ({DATABASE['ENGINE']})",
    ]


def pytest_configure(config):
    if UNREACHABLE and REQUIRED:
        raise pytest.UsageError(f"{UNREACHABLE}; CI/VINYL_REQUIRE_BACKENDS forbids skipping it")
    if UNREACHABLE:
        return
    _create_run_database()
    vinyl_async.configure(
        # "other": a second alias on the same database, with a small pool (multi-alias,
        # routing and pool-contention tests).
        databases={"default": DATABASE, "other": {**DATABASE, "VINYL": {"pool": {"max_size": 5}}}},
        installed_apps=["django.contrib.contenttypes", "vinyltests"],
        use_tz=True,
        time_zone="UTC",
    )
    from asgiref.local import Local
    from django.db import connections

    # One Django connection per thread, as in a sync program (not one per task).
    connections._connections = Local(thread_critical=True)


def pytest_unconfigure(config):
    if UNREACHABLE:
        return
    from django.db import connections

    connections.close_all()
    _drop_run_database()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The counts tests reported (``helpers.report``): visible in every run, not only with -s."""
    helpers = sys.modules.get("helpers")
    lines = getattr(helpers, "REPORT", None)
    if lines:
        terminalreporter.section("vinyl counts (operations, cancellations, examples)")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_collection_modifyitems(config, items):
    if UNREACHABLE:
        skip = pytest.mark.skip(reason=UNREACHABLE)
        for item in items:
            item.add_marker(skip)


def _all_models():
    from django.contrib.contenttypes.models import ContentType
    from vinyltests.models import ALL_MODELS

    return [ContentType, *ALL_MODELS]


def _table_names():
    names = []
    for model in _all_models():
        names.append(model._meta.db_table)
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.auto_created:
                names.append(field.remote_field.through._meta.db_table)
    return names


def drop_test_tables():
    """Drop whichever of the test tables exist (also a partial set), children first."""
    from django.db import connection

    existing = set(connection.introspection.table_names())
    names = [name for name in reversed(_table_names()) if name in existing]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA foreign_keys = OFF")
        cascade = " CASCADE" if connection.vendor == "postgresql" else ""
        for name in names:
            cursor.execute(f"DROP TABLE {quote(name)}{cascade}")
        if connection.vendor == "mysql":
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA foreign_keys = ON")


@pytest.fixture(scope="session")
def django_tables():
    """Create the test tables once (Django's schema editor), drop them at the end."""
    from django.db import connection

    drop_test_tables()  # what an interrupted earlier run may have left
    with connection.schema_editor() as editor:
        for model in _all_models():
            editor.create_model(model)
    yield
    drop_test_tables()
    connection.close()
    if BACKEND == "sqlite" and os.path.exists(DATABASE["NAME"]):
        os.unlink(DATABASE["NAME"])


def empty_tables():
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    names = [n for n in _table_names() if n != ContentType._meta.db_table]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "TRUNCATE %s RESTART IDENTITY CASCADE" % ", ".join(quote(n) for n in names)
            )
        elif connection.vendor == "mysql":
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            for name in names:
                cursor.execute("TRUNCATE TABLE %s" % quote(name))
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for name in names:
                cursor.execute("DELETE FROM %s" % quote(name))
            cursor.execute("DELETE FROM sqlite_sequence")
            cursor.execute("PRAGMA foreign_keys = ON")


def _reconnect_django_if_broken():
    """A Django connection the server dropped (a killed session, a restart) is replaced,
    as Django does between requests, instead of failing every later test."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()


@pytest.fixture
def db(django_tables):
    """Empty tables for the test; vinyl's pools are closed after it."""
    _reconnect_django_if_broken()
    empty_tables()


@pytest.fixture(autouse=True)
async def _close_vinyl_pools():
    yield
    if not UNREACHABLE:
        await vinyl_async.close_pools()
