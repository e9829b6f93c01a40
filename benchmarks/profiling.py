"""Where vinyl_async's time goes: ``python -m benchmarks.profiling [--workloads get_pk,…]``.

For each workload, on the benchmark's tables and data (created, then dropped), running
the very operation the benchmark measures (:class:`benchmarks.systems.VinylAsync`):

1. *Phases, no profiler* (get_pk and filter100): client CPU per operation of the whole
   vinyl operation, and of its parts done separately in loops of the same length:
   building the Django QuerySet as the vinyl method builds it, compiling it
   (``get_compiler().as_sql()``), executing the compiled SQL on a raw psycopg async
   connection with the client-side-binding cursor vinyl uses, and turning rows into
   instances (Django's ``ModelIterable`` via vinyl's ``build_results``). What is left is
   vinyl's own overhead (connection checkout and release, contextvars, result plumbing).
2. *cProfile* (every workload), timed in CPU time so waiting for the server does not
   count: the top functions by own time, by cumulative time, and vinyl_async's own
   functions by cumulative time. The profiler inflates Python-heavy code relative to C
   and I/O; phase 1 has the unbiased split.

The ``.pstats`` files are kept (``--pstats-dir``) for ``python -m pstats`` or snakeviz.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import re
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from . import data, wire
from . import workloads as w

DEFAULT = ("get_pk", "filter100")
#: operations per profile = --ops // divisor (so each workload takes similar time)
DIVISOR = {
    "get_pk": 1,
    "create": 1,
    "update_pk": 1,
    "filter100": 5,
    "prefetch": 10,
    "values_list1000": 30,
    "update1000": 1000,
    "update1000_batch": 1000,
}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.profiling",
        description="Profile vinyl_async's benchmark operations (see the module docstring).",
    )
    parser.add_argument(
        "--workloads", default=",".join(DEFAULT), help=f"any of {', '.join(w.WORKLOAD_NAMES)}"
    )
    parser.add_argument(
        "--ops", type=int, default=3000, help="operations for get_pk (others: fewer)"
    )
    parser.add_argument("--top", type=int, default=25, help="functions listed per table")
    parser.add_argument(
        "--pstats-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "vinyl-bench-profile",
        help="where the .pstats files go",
    )
    options = parser.parse_args(argv)
    options.workloads = [name for name in options.workloads.split(",") if name]
    for name in options.workloads:
        if name not in w.WORKLOAD_NAMES:
            parser.error(f"unknown workload {name!r}; known: {', '.join(w.WORKLOAD_NAMES)}")
    return options


def main(argv: list[str] | None = None) -> int:
    options = _parse(argv)
    url = data.database_url()
    wire.install()
    data.configure_django(url)
    import vinyl_async

    from .models import build_models

    models = build_models(vinyl_async.VinylManager, "bench_profile")
    lock = data.exclusive_run(url, "vinyl-benchmarks", print)
    data.drop_tables(url)
    try:
        data.create_tables(models)
        data.populate(url)
        asyncio.run(_profile_all(options, url, models))
    finally:
        data.drop_tables(url)
        lock.close()
    return 0


async def _cpu_per_op(fn: Callable[[int], Awaitable[Any]], ops: int) -> float:
    """Client CPU µs per call of ``await fn(i)``, after a warm-up."""
    for i in range(min(200, ops)):
        await fn(10**6 + i)
    started = time.process_time()
    for i in range(ops):
        await fn(i)
    return (time.process_time() - started) / ops * 1e6


def _cpu_per_call(fn: Callable[[int], Any], ops: int) -> float:
    for i in range(min(200, ops)):
        fn(10**6 + i)
    started = time.process_time()
    for i in range(ops):
        fn(i)
    return (time.process_time() - started) / ops * 1e6


async def _profile_all(options: argparse.Namespace, url: str, models: Any) -> None:
    import psycopg
    from django.db.models.query import MAX_GET_RESULTS
    from psycopg_pool import AsyncConnectionPool

    import vinyl_async

    from .systems import VinylAsync

    Author, Book = models.Author, models.Book

    def build_get(i: int) -> Any:  # what QuerySet.get(pk=…) builds
        clone = Author.vinyl.filter(pk=w.author_id(i)).order_by()
        clone.query.set_limits(high=MAX_GET_RESULTS)
        return clone

    def build_filter(i: int) -> Any:
        return Book.vinyl.filter(group=w.group(i))

    builders = {"get_pk": build_get, "filter100": build_filter}
    operations = VinylAsync(models, w.BLOCK_SIZE).operations()
    # The cursor vinyl uses by default: client-side binding, so Django's %s SQL runs as is.
    pool = AsyncConnectionPool(
        url,
        min_size=1,
        max_size=1,
        kwargs={"autocommit": True, "cursor_factory": psycopg.AsyncClientCursor},
        open=False,
    )
    await pool.open(wait=True)
    options.pstats_dir.mkdir(parents=True, exist_ok=True)
    try:
        for name in options.workloads:
            operation = operations.get(name)
            if operation is None:
                print(f"\n=== vinyl_async {name}: not available in this vinyl_async")
                continue
            ops = max(1, options.ops // DIVISOR[name])
            if name in builders:
                await _phases(name, builders[name], operation, ops, pool)
            await _cprofile(name, operation, ops, options)
    finally:
        await pool.close()
        await vinyl_async.close_pools()


async def _phases(
    name: str,
    build: Callable[[int], Any],
    operation: Callable[[int], Awaitable[Any]],
    ops: int,
    pool: Any,
) -> None:
    from vinyl_async.results import build_results

    compiled = [build(i).query.get_compiler("default").as_sql() for i in range(ops)]

    async def execute(i: int) -> Any:
        sql, params = compiled[i % len(compiled)]
        async with pool.connection() as conn:
            cursor = await conn.execute(sql, params)
            return await cursor.fetchall()

    sample_qs = build(0)
    sample_rows = await execute(0)

    def results_cpu() -> float:
        # A compiler is single-use (build_results rewires it): compile outside the timed
        # part, time only the rows → results step.
        spent = 0.0
        for _ in range(ops):
            compiler = sample_qs.query.get_compiler("default")
            compiler.as_sql()
            started = time.process_time()
            build_results(sample_qs, compiler, sample_rows)
            spent += time.process_time() - started
        return spent / ops * 1e6

    total = await _cpu_per_op(operation, ops)
    t_build = _cpu_per_call(build, ops)
    t_compile = (
        _cpu_per_call(lambda i: build(i).query.get_compiler("default").as_sql(), ops) - t_build
    )
    t_execute = await _cpu_per_op(execute, ops)
    t_results = results_cpu()
    rest = total - t_build - t_compile - t_execute - t_results
    print(f"\n=== vinyl_async {name}: client CPU per operation ({ops} ops, concurrency 1)")
    for label, value in (
        ("whole vinyl operation", total),
        ("  build the Django QuerySet (filter/order_by/limits)", t_build),
        ("  compile it (get_compiler().as_sql())", t_compile),
        ("  execute the SQL on raw psycopg (pool checkout, AsyncClientCursor)", t_execute),
        ("  rows → instances (build_results: Django's ModelIterable)", t_results),
        ("  the rest (vinyl's checkout/release, contextvars, plumbing)", rest),
    ):
        share = f"{value / total * 100:5.1f}%" if total else ""
        print(f"  {label:<70} {value:8.1f} µs {share}")


async def _cprofile(
    name: str, operation: Callable[[int], Awaitable[Any]], ops: int, options: argparse.Namespace
) -> None:
    # CPU time, not wall time: waiting for the server is not client cost.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    try:
        for i in range(ops):
            await operation(i)
    finally:
        profiler.disable()
    path = options.pstats_dir / f"vinyl_async-{name}.pstats"
    profiler.dump_stats(path)
    tables = (
        ("tottime", None, "all code, by own time"),
        ("cumulative", None, "all code, by cumulative time"),
        ("cumulative", r"vinyl_async[/\\]", "vinyl_async's functions, by cumulative time"),
    )
    for sort, restriction, title in tables:
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        if restriction is None:
            stats.strip_dirs()
        stats.sort_stats(sort)
        if restriction is None:
            stats.print_stats(options.top)
        else:
            stats.print_stats(restriction, options.top)
        text = buffer.getvalue()
        text = text[text.find("   ncalls") :].rstrip()
        if restriction is not None:
            text = _short_paths(text)
        print(f"\n--- cProfile (CPU time), {name} ({ops} ops): {title}, top {options.top}")
        print(text)
    print(f"(saved to {path}; a coroutine counts one call per resumption)")


def _short_paths(text: str) -> str:
    return re.sub(r"\S*[/\\](vinyl_async[/\\])", r"\1", text)


if __name__ == "__main__":
    raise SystemExit(main())
