"""Django settings, the bench_* tables and their rows.

Settings are configured once for every system: one alias, ``default``, with
Django 5.1+'s built-in psycopg pool (``OPTIONS["pool"]``) for Django's ORM and a
``VINYL`` pool of the same size for both vinyl packages.
"""

from __future__ import annotations

import datetime
import decimal
import os
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from . import workloads as w
from .models import TABLES, ModelSet

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
POOL_SIZE = 10
#: seconds a caller may wait for a pooled connection. Long enough that a workload
#: holding connections for seconds (1,000 updates in one Django request, at concurrency
#: 32 with 10 connections) queues instead of failing: waiting is part of throughput.
POOL_TIMEOUT = 600.0
#: libpq ``options`` of every connection of every system unless --durable-commits:
#: commits do not wait for the WAL flush, so write workloads measure the client and the
#: protocol rather than this machine's disk (the server's default is kept otherwise).
FAST_COMMIT_OPTIONS = "-c synchronous_commit=off"


def database_url() -> str:
    return os.environ.get("VINYL_BENCH_POSTGRES") or DEFAULT_URL


def session_options(url: str, durable_commits: bool) -> str | None:
    """The libpq ``options`` every connection gets (the URL's own, plus ours)."""
    own = conninfo_to_dict(url).get("options")
    if durable_commits:
        return own
    return f"{own} {FAST_COMMIT_OPTIONS}" if own else FAST_COMMIT_OPTIONS


def configure_django(url: str, durable_commits: bool = False) -> None:
    """Configure Django's settings once (no settings module, no installed apps)."""
    import django
    from django.conf import settings

    params = conninfo_to_dict(url)
    pool = {"min_size": POOL_SIZE, "max_size": POOL_SIZE, "timeout": POOL_TIMEOUT}
    options: dict[str, Any] = {"pool": dict(pool)}
    libpq_options = session_options(url, durable_commits)
    if libpq_options:
        options["options"] = libpq_options  # vinyl connects with Django's parameters too
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        INSTALLED_APPS=[],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": params.get("dbname", ""),
                "USER": params.get("user", ""),
                "PASSWORD": params.get("password", ""),
                "HOST": params.get("host", ""),
                "PORT": params.get("port", ""),
                # Django's pool requires CONN_MAX_AGE = 0: a request gives its
                # connection back to the pool when it finishes.
                "CONN_MAX_AGE": 0,
                "OPTIONS": options,
                "VINYL": {"pool": dict(pool)},
            }
        },
    )
    django.setup()


def drop_tables(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for table in reversed(TABLES):
            conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")


def create_tables(models: ModelSet) -> None:
    """Create the tables with Django's schema editor (on Django's own connection)."""
    from django.db import connection

    try:
        with connection.schema_editor() as editor:
            for model in models.all():
                editor.create_model(model)
    finally:
        connection.close()  # back to Django's pool


def _copy(conn: psycopg.Connection[Any], table: str, columns: str, rows: Any) -> None:
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def populate(url: str) -> None:
    """Fill the tables (ids are 1..N, so workloads can address rows by id)."""
    day = datetime.date(2020, 1, 1)
    with psycopg.connect(url) as conn:
        _copy(
            conn,
            "bench_author",
            "id, name, email, created",
            (
                (a, f"Author {a}", f"author{a}@example.com", w.CREATED)
                for a in range(1, w.N_AUTHORS + 1)
            ),
        )
        _copy(
            conn,
            "bench_book",
            'id, author_id, title, pages, price, published, in_print, "group"',
            (
                (
                    b,
                    1 + (b - 1) // w.BOOKS_PER_AUTHOR,
                    f"Book number {b}",
                    100 + b % 400,
                    decimal.Decimal(b % 5000) / 100,
                    day + datetime.timedelta(days=b % 1500),
                    b % 3 != 0,
                    b % w.N_GROUPS,
                )
                for b in range(1, w.N_BOOKS + 1)
            ),
        )
        _copy(
            conn,
            "bench_counter",
            "id, label, value",
            ((c, f"counter {c}", 0) for c in range(1, w.N_COUNTERS + 1)),
        )
        for table in ("bench_author", "bench_book", "bench_counter"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    with psycopg.connect(url, autocommit=True) as conn:
        for table in TABLES:
            conn.execute(f"VACUUM ANALYZE {table}")


def exclusive_run(url: str, name: str, log: Any) -> psycopg.Connection[Any]:
    """Hold a session advisory lock for the run (waiting for another run to finish).

    The lock goes with the returned connection: closing it (or the process dying)
    releases it."""
    conn = psycopg.connect(url, autocommit=True)
    key = "SELECT hashtext(%s)::bigint"
    row = conn.execute(f"SELECT pg_try_advisory_lock(({key}))", (name,)).fetchone()
    if not (row and row[0]):
        log("another benchmark run holds the database; waiting for it to finish")
        conn.execute(f"SELECT pg_advisory_lock(({key}))", (name,))
    return conn


def server_version(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"
