"""The six systems under test, each implementing every workload it can.

An operation is ``op(i)``: a coroutine function for async systems, a plain function
for sync ones. Parameters come from :mod:`benchmarks.workloads`, so every system does
the same work for the same ``i``.

- ``raw_async`` / ``raw_sync``: psycopg 3 with psycopg_pool, hand-written SQL, autocommit
  connections, psycopg's defaults otherwise (server-side binding, prepared statements after
  five executions). Rows stay tuples: the floor every ORM is compared with.
- ``django_sync``: Django's ORM with its built-in psycopg pool. Each operation runs as one
  WSGI request does: ``request_started`` … ``request_finished`` (whose
  ``close_old_connections`` gives the connection back to the pool; without it a pool of 10
  could not serve 32 threads).
- ``django_async``: Django's async API as ``ASGIHandler`` runs a request: inside
  ``asgiref.sync.ThreadSensitiveContext()``, ``await request_started.asend(...)``, the
  operation (``aget``/``acreate``/``aupdate``/``async for``), then ``request_finished`` through
  ``sync_to_async`` (what ``await sync_to_async(response.close)()`` does).
- ``vinyl_async`` / ``vinyl_sync``: ``M.vinyl`` of the installed packages. A vinyl
  operation that makes Django open its own connection fails instead of being measured: a
  method vinyl does not implement yet falls through to Django's QuerySet (vinyl_sync would
  then silently measure Django's ORM).
"""

from __future__ import annotations

import contextlib
import threading
import types
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from . import workloads as w
from .data import POOL_SIZE, POOL_TIMEOUT
from .models import ModelSet

AUTHOR_COLUMNS = "id, name, email, created"
BOOK_COLUMNS = 'id, author_id, title, pages, price, published, in_print, "group"'
GET_AUTHOR = f"SELECT {AUTHOR_COLUMNS} FROM bench_author WHERE id = %s"
BOOKS_OF_GROUP = f'SELECT {BOOK_COLUMNS} FROM bench_book WHERE "group" = %s'
INSERT_NOTE = "INSERT INTO bench_note (title, value, created) VALUES (%s, %s, %s) RETURNING id"
UPDATE_COUNTER = "UPDATE bench_counter SET value = %s WHERE id = %s"
AUTHORS_IN_RANGE = f"SELECT {AUTHOR_COLUMNS} FROM bench_author WHERE id >= %s AND id < %s"
BOOKS_OF_AUTHORS = f"SELECT {BOOK_COLUMNS} FROM bench_book WHERE author_id = ANY(%s)"
BOOK_VALUES = "SELECT id, title, pages, price FROM bench_book WHERE id >= %s AND id < %s"
VALUES_FIELDS = ("id", "title", "pages", "price")

SYSTEM_TITLES = {
    "raw_async": "psycopg async (raw SQL)",
    "raw_sync": "psycopg sync (raw SQL)",
    "django_sync": "Django sync ORM",
    "django_async": "Django async API (ASGI)",
    "vinyl_async": "vinyl_async",
    "vinyl_sync": "vinyl_sync",
}
SYSTEM_NAMES = tuple(SYSTEM_TITLES)
FLOOR = "raw_async"


class System:
    """A system under test: its operations, and what it cannot run (with the reason)."""

    name: str
    is_async: bool

    def __init__(self, updates_per_op: int):
        self.updates_per_op = updates_per_op
        #: workload name → why this system does not run it
        self.not_applicable: dict[str, str] = {}

    @property
    def title(self) -> str:
        return SYSTEM_TITLES[self.name]

    def operations(self) -> dict[str, Callable[[int], Any]]:
        raise NotImplementedError

    def open(self) -> Any:
        """Open pools (a coroutine for async systems)."""

    def close(self) -> Any:
        """Close pools (a coroutine for async systems)."""

    @contextlib.contextmanager
    def observe(self) -> Iterator[dict[str, int] | None]:
        """Statements the system itself reports (vinyl's observe_statements), if any."""
        yield None

    def updates(self, i: int) -> list[tuple[int, int]]:
        """(value, id) pairs of a many-updates operation."""
        return [(i, pk) for pk in w.update_block(i, self.updates_per_op)]


# ----------------------------------------------------------------------------- raw psycopg


class RawAsync(System):
    name = "raw_async"
    is_async = True

    def __init__(self, url: str, updates_per_op: int, options: str | None):
        super().__init__(updates_per_op)
        self.url = url
        self.kwargs: dict[str, Any] = {"autocommit": True}
        if options:
            self.kwargs["options"] = options
        self.pool: Any = None

    async def open(self) -> None:
        from psycopg_pool import AsyncConnectionPool

        self.pool = AsyncConnectionPool(
            self.url,
            min_size=POOL_SIZE,
            max_size=POOL_SIZE,
            timeout=POOL_TIMEOUT,
            kwargs=self.kwargs,
            open=False,
            name="bench-raw-async",
        )
        await self.pool.open(wait=True)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    def operations(self) -> dict[str, Callable[[int], Any]]:
        pool = self.pool

        async def get_pk(i: int) -> Any:
            async with pool.connection() as conn:
                cursor = await conn.execute(GET_AUTHOR, (w.author_id(i),))
                return await cursor.fetchone()

        async def filter100(i: int) -> Any:
            async with pool.connection() as conn:
                cursor = await conn.execute(BOOKS_OF_GROUP, (w.group(i),))
                return await cursor.fetchall()

        async def create(i: int) -> Any:
            async with pool.connection() as conn:
                cursor = await conn.execute(INSERT_NOTE, (f"note {i}", i, w.CREATED))
                return await cursor.fetchone()

        async def update_pk(i: int) -> Any:
            async with pool.connection() as conn:
                cursor = await conn.execute(UPDATE_COUNTER, (i, w.counter_id(i)))
                return cursor.rowcount

        async def prefetch(i: int) -> Any:
            async with pool.connection() as conn:
                authors = await (
                    await conn.execute(AUTHORS_IN_RANGE, w.prefetch_range(i))
                ).fetchall()
                ids = [a[0] for a in authors]
                books = await (await conn.execute(BOOKS_OF_AUTHORS, (ids,))).fetchall()
            by_author: dict[int, list[Any]] = defaultdict(list)
            for book in books:
                by_author[book[1]].append(book)
            return [(a, by_author[a[0]]) for a in authors]

        async def values_list1000(i: int) -> Any:
            async with pool.connection() as conn:
                cursor = await conn.execute(BOOK_VALUES, w.values_range(i))
                return await cursor.fetchall()

        async def update1000(i: int) -> None:
            async with pool.connection() as conn:
                for params in self.updates(i):
                    await conn.execute(UPDATE_COUNTER, params)

        async def update1000_batch(i: int) -> None:
            # executemany in a transaction: psycopg pipelines it (one round trip).
            async with pool.connection() as conn, conn.transaction():
                async with conn.cursor() as cursor:
                    await cursor.executemany(UPDATE_COUNTER, self.updates(i))

        return locals_ops(locals())


class RawSync(System):
    name = "raw_sync"
    is_async = False

    def __init__(self, url: str, updates_per_op: int, options: str | None):
        super().__init__(updates_per_op)
        self.url = url
        self.kwargs: dict[str, Any] = {"autocommit": True}
        if options:
            self.kwargs["options"] = options
        self.pool: Any = None

    def open(self) -> None:
        from psycopg_pool import ConnectionPool

        self.pool = ConnectionPool(
            self.url,
            min_size=POOL_SIZE,
            max_size=POOL_SIZE,
            timeout=POOL_TIMEOUT,
            kwargs=self.kwargs,
            open=False,
            name="bench-raw-sync",
        )
        self.pool.open(wait=True)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def operations(self) -> dict[str, Callable[[int], Any]]:
        pool = self.pool

        def get_pk(i: int) -> Any:
            with pool.connection() as conn:
                return conn.execute(GET_AUTHOR, (w.author_id(i),)).fetchone()

        def filter100(i: int) -> Any:
            with pool.connection() as conn:
                return conn.execute(BOOKS_OF_GROUP, (w.group(i),)).fetchall()

        def create(i: int) -> Any:
            with pool.connection() as conn:
                return conn.execute(INSERT_NOTE, (f"note {i}", i, w.CREATED)).fetchone()

        def update_pk(i: int) -> Any:
            with pool.connection() as conn:
                return conn.execute(UPDATE_COUNTER, (i, w.counter_id(i))).rowcount

        def prefetch(i: int) -> Any:
            with pool.connection() as conn:
                authors = conn.execute(AUTHORS_IN_RANGE, w.prefetch_range(i)).fetchall()
                ids = [a[0] for a in authors]
                books = conn.execute(BOOKS_OF_AUTHORS, (ids,)).fetchall()
            by_author: dict[int, list[Any]] = defaultdict(list)
            for book in books:
                by_author[book[1]].append(book)
            return [(a, by_author[a[0]]) for a in authors]

        def values_list1000(i: int) -> Any:
            with pool.connection() as conn:
                return conn.execute(BOOK_VALUES, w.values_range(i)).fetchall()

        def update1000(i: int) -> None:
            with pool.connection() as conn:
                for params in self.updates(i):
                    conn.execute(UPDATE_COUNTER, params)

        def update1000_batch(i: int) -> None:
            with pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(UPDATE_COUNTER, self.updates(i))

        return locals_ops(locals())


# ----------------------------------------------------------------------------------- Django

_NO_DJANGO_BATCH = "Django has no batching API: the closest is N separate statements (update1000)"


class DjangoSync(System):
    name = "django_sync"
    is_async = False

    def __init__(self, models: ModelSet, updates_per_op: int):
        super().__init__(updates_per_op)
        self.models = models
        self.not_applicable["update1000_batch"] = _NO_DJANGO_BATCH

    def close(self) -> None:
        from django.db import connections

        connections["default"].close_pool()

    def operations(self) -> dict[str, Callable[[int], Any]]:
        from django.core.handlers.wsgi import WSGIHandler
        from django.core.signals import request_finished, request_started

        Author, Book, Counter, Note = self.models.all()
        environ: dict[str, Any] = {}

        def request(body: Callable[[int], Any]) -> Callable[[int], Any]:
            def op(i: int) -> Any:
                request_started.send(sender=WSGIHandler, environ=environ)
                try:
                    return body(i)
                finally:
                    request_finished.send(sender=WSGIHandler)

            return op

        def get_pk(i: int) -> Any:
            return Author.objects.get(pk=w.author_id(i))

        def filter100(i: int) -> Any:
            return list(Book.objects.filter(group=w.group(i)))

        def create(i: int) -> Any:
            return Note.objects.create(title=f"note {i}", value=i, created=w.CREATED)

        def update_pk(i: int) -> Any:
            return Counter.objects.filter(pk=w.counter_id(i)).update(value=i)

        def prefetch(i: int) -> Any:
            start, stop = w.prefetch_range(i)
            qs = Author.objects.filter(id__gte=start, id__lt=stop).prefetch_related("books")
            return list(qs)

        def values_list1000(i: int) -> Any:
            start, stop = w.values_range(i)
            return list(
                Book.objects.filter(id__gte=start, id__lt=stop).values_list(*VALUES_FIELDS)
            )

        def update1000(i: int) -> None:
            for value, pk in self.updates(i):
                Counter.objects.filter(pk=pk).update(value=value)

        return {name: request(body) for name, body in locals_ops(locals()).items()}


class DjangoAsync(System):
    name = "django_async"
    is_async = True

    def __init__(self, models: ModelSet, updates_per_op: int):
        super().__init__(updates_per_op)
        self.models = models
        self.not_applicable["update1000_batch"] = _NO_DJANGO_BATCH

    def operations(self) -> dict[str, Callable[[int], Any]]:
        from asgiref.sync import ThreadSensitiveContext, sync_to_async
        from django.core.handlers.asgi import ASGIHandler
        from django.core.signals import request_finished, request_started

        Author, Book, Counter, Note = self.models.all()
        scope: dict[str, Any] = {"type": "http"}
        finish = sync_to_async(request_finished.send)

        def request(body: Callable[[int], Any]) -> Callable[[int], Any]:
            async def op(i: int) -> Any:
                async with ThreadSensitiveContext():
                    await request_started.asend(sender=ASGIHandler, scope=scope)
                    try:
                        return await body(i)
                    finally:
                        await finish(sender=ASGIHandler)

            return op

        async def get_pk(i: int) -> Any:
            return await Author.objects.aget(pk=w.author_id(i))

        async def filter100(i: int) -> Any:
            return [b async for b in Book.objects.filter(group=w.group(i))]

        async def create(i: int) -> Any:
            return await Note.objects.acreate(title=f"note {i}", value=i, created=w.CREATED)

        async def update_pk(i: int) -> Any:
            return await Counter.objects.filter(pk=w.counter_id(i)).aupdate(value=i)

        async def prefetch(i: int) -> Any:
            start, stop = w.prefetch_range(i)
            qs = Author.objects.filter(id__gte=start, id__lt=stop).prefetch_related("books")
            return [a async for a in qs]

        async def values_list1000(i: int) -> Any:
            start, stop = w.values_range(i)
            qs = Book.objects.filter(id__gte=start, id__lt=stop).values_list(*VALUES_FIELDS)
            return [row async for row in qs]

        async def update1000(i: int) -> None:
            for value, pk in self.updates(i):
                await Counter.objects.filter(pk=pk).aupdate(value=value)

        return {name: request(body) for name, body in locals_ops(locals()).items()}


# ------------------------------------------------------------------------------------ vinyl

_django_connected = threading.local()


class DjangoConnectionUsed(RuntimeError):
    """A vinyl operation did its I/O on Django's own connection, not on vinyl's."""


def _note_django_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    _django_connected.wrapper = connection


def _install_django_guard() -> None:
    from django.db.backends.signals import connection_created

    connection_created.connect(
        _note_django_connection, weak=False, dispatch_uid="vinyl-bench-django-guard"
    )


def _check_django_untouched(package: str) -> None:
    wrapper = getattr(_django_connected, "wrapper", None)
    if wrapper is not None:
        _django_connected.wrapper = None
        wrapper.close()  # give it back to Django's pool
        raise DjangoConnectionUsed(
            f"Django's ORM opened its own connection during a {package} operation: the "
            "method that ran is Django's, not vinyl's (not implemented by vinyl yet?)"
        )


def _guard_sync(package: str, ops: dict[str, Callable[[int], Any]]) -> dict[str, Any]:
    """Fail an operation that fell through to Django's own I/O instead of measuring Django."""

    def guarded(op: Callable[[int], Any]) -> Callable[[int], Any]:
        def run(i: int) -> Any:
            _django_connected.wrapper = None  # Django's own systems run on these threads too
            try:
                return op(i)
            finally:
                _check_django_untouched(package)

        return run

    return {name: guarded(op) for name, op in ops.items()}


def _guard_async(package: str, ops: dict[str, Callable[[int], Any]]) -> dict[str, Any]:
    def guarded(op: Callable[[int], Any]) -> Callable[[int], Any]:
        async def run(i: int) -> Any:
            _django_connected.wrapper = None
            try:
                return await op(i)
            finally:
                _check_django_untouched(package)

        return run

    return {name: guarded(op) for name, op in ops.items()}


def _vinyl_observer(package: Any) -> Iterator[dict[str, int]]:
    counts = {"statements": 0, "transaction": 0}

    def observer(alias: str, sql: str, params: Any) -> None:
        keyword = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if keyword in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}:
            counts["transaction"] += 1
        else:
            counts["statements"] += 1

    with package.observe_statements(observer):
        yield counts


def _batch_function(package: Any) -> Any:
    """``package.batch`` (the context manager), or None while it does not exist.

    Until ``__init__`` exports it, ``package.batch`` may be the submodule of that name."""
    found = getattr(package, "batch", None)
    if isinstance(found, types.ModuleType):
        found = getattr(found, "batch", None)
    return found if callable(found) else None


class VinylAsync(System):
    name = "vinyl_async"
    is_async = True

    def __init__(self, models: ModelSet, updates_per_op: int):
        super().__init__(updates_per_op)
        import vinyl_async

        self.package = vinyl_async
        self.models = models
        _install_django_guard()
        self.batch = _batch_function(vinyl_async)
        if self.batch is None:
            self.not_applicable["update1000_batch"] = "vinyl_async.batch() does not exist yet"

    async def close(self) -> None:
        await self.package.close_pools()

    @contextlib.contextmanager
    def observe(self) -> Iterator[dict[str, int] | None]:
        yield from _vinyl_observer(self.package)

    def operations(self) -> dict[str, Callable[[int], Any]]:
        Author, Book, Counter, Note = self.models.all()
        batch = self.batch

        async def get_pk(i: int) -> Any:
            return await Author.vinyl.get(pk=w.author_id(i))

        async def filter100(i: int) -> Any:
            return await Book.vinyl.filter(group=w.group(i))

        async def create(i: int) -> Any:
            return await Note.vinyl.create(title=f"note {i}", value=i, created=w.CREATED)

        async def update_pk(i: int) -> Any:
            return await Counter.vinyl.filter(pk=w.counter_id(i)).update(value=i)

        async def prefetch(i: int) -> Any:
            start, stop = w.prefetch_range(i)
            return await Author.vinyl.filter(id__gte=start, id__lt=stop).prefetch_related("books")

        async def values_list1000(i: int) -> Any:
            start, stop = w.values_range(i)
            return await Book.vinyl.filter(id__gte=start, id__lt=stop).values_list(*VALUES_FIELDS)

        async def update1000(i: int) -> None:
            for value, pk in self.updates(i):
                await Counter.vinyl.filter(pk=pk).update(value=value)

        async def update1000_batch(i: int) -> None:
            async with batch():
                for value, pk in self.updates(i):
                    await Counter.vinyl.filter(pk=pk).update(value=value)

        ops = locals_ops(locals())
        if batch is None:
            del ops["update1000_batch"]
        return _guard_async("vinyl_async", ops)


class VinylSync(System):
    name = "vinyl_sync"
    is_async = False

    def __init__(self, models: ModelSet, updates_per_op: int):
        super().__init__(updates_per_op)
        import vinyl_sync

        self.package = vinyl_sync
        self.models = models
        _install_django_guard()
        self.batch = _batch_function(vinyl_sync)
        if self.batch is None:
            self.not_applicable["update1000_batch"] = "vinyl_sync.batch() does not exist yet"

    def close(self) -> None:
        self.package.close_pools()

    @contextlib.contextmanager
    def observe(self) -> Iterator[dict[str, int] | None]:
        yield from _vinyl_observer(self.package)

    def operations(self) -> dict[str, Callable[[int], Any]]:
        Author, Book, Counter, Note = self.models.all()
        batch = self.batch

        def get_pk(i: int) -> Any:
            return Author.vinyl.get(pk=w.author_id(i))

        def filter100(i: int) -> Any:
            return list(Book.vinyl.filter(group=w.group(i)))

        def create(i: int) -> Any:
            return Note.vinyl.create(title=f"note {i}", value=i, created=w.CREATED)

        def update_pk(i: int) -> Any:
            return Counter.vinyl.filter(pk=w.counter_id(i)).update(value=i)

        def prefetch(i: int) -> Any:
            start, stop = w.prefetch_range(i)
            return list(Author.vinyl.filter(id__gte=start, id__lt=stop).prefetch_related("books"))

        def values_list1000(i: int) -> Any:
            start, stop = w.values_range(i)
            return list(Book.vinyl.filter(id__gte=start, id__lt=stop).values_list(*VALUES_FIELDS))

        def update1000(i: int) -> None:
            for value, pk in self.updates(i):
                Counter.vinyl.filter(pk=pk).update(value=value)

        def update1000_batch(i: int) -> None:
            with batch():
                for value, pk in self.updates(i):
                    Counter.vinyl.filter(pk=pk).update(value=value)

        ops = locals_ops(locals())
        if batch is None:
            del ops["update1000_batch"]
        return _guard_sync("vinyl_sync", ops)


def locals_ops(namespace: dict[str, Any]) -> dict[str, Callable[[int], Any]]:
    """The operations defined in an ``operations()`` body, by workload name."""
    return {name: namespace[name] for name in w.WORKLOAD_NAMES if name in namespace}
