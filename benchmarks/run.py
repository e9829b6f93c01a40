"""One benchmark run: set up the data, measure every cell, count statements, report."""

from __future__ import annotations

import argparse
import datetime
import os
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import wire
from . import workloads as w
from .data import POOL_SIZE
from .report import rate_text as _rate
from .runner import MAX_CONCURRENCY, Runner, Sample

HERE = Path(__file__).resolve().parent
CONCURRENCY = (1, 32)
FULL_ROUNDS = 3
#: updates per operation of the many-updates workloads, at concurrency 1 and above 1, for
#: (full, quick) runs. 32 operations are in flight at concurrency 32 however short the
#: cell: with 1,000 updates each, that cell alone would take minutes per system.
UPDATES = ((w.BLOCK_SIZE, 100), (100, 20))
#: seconds per measured cell and per warm-up, for (full, quick) runs
CELL_SECONDS = (0.6, 0.04)
WARMUP_SECONDS = (0.25, 0.0)
#: one benchmark run at a time per database: concurrent runs would drop each other's
#: tables, exhaust max_connections and spoil each other's timings
ADVISORY_LOCK = "vinyl-benchmarks"


@dataclass
class Cell:
    system: str
    workload: str
    concurrency: int
    samples: list[Sample] = field(default_factory=list)
    status: str = "ok"  # ok | n/a | failed
    note: str = ""


@dataclass
class Counts:
    ops: int
    statements: float
    transaction: float
    round_trips: float
    reported: dict[str, float] | None
    sql: dict[str, int]


def updates_at(run: Run, concurrency: int) -> int:
    return run.updates[0] if concurrency == 1 else run.updates[1]


@dataclass
class Run:
    options: argparse.Namespace
    started: datetime.datetime
    #: (at concurrency 1, above 1)
    updates: tuple[int, int]
    cells: list[Cell] = field(default_factory=list)
    counts: dict[tuple[str, str], Counts] = field(default_factory=dict)
    count_failures: dict[tuple[str, str], str] = field(default_factory=dict)
    setup_seconds: float = 0.0
    total_seconds: float = 0.0
    environment: dict[str, Any] = field(default_factory=dict)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from .systems import SYSTEM_NAMES

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="vinyl vs Django (sync and async) vs raw psycopg on PostgreSQL "
        "(VINYL_BENCH_POSTGRES, default postgresql://postgres@127.0.0.1:5432/test).",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: tiny op counts, one round (~1 minute)"
    )
    parser.add_argument("--rounds", type=int, help=f"measured rounds (default {FULL_ROUNDS})")
    parser.add_argument(
        "--systems", default=",".join(SYSTEM_NAMES), help="comma-separated subset of systems"
    )
    parser.add_argument(
        "--workloads", default=",".join(w.WORKLOAD_NAMES), help="comma-separated subset"
    )
    parser.add_argument(
        "--concurrency", default=",".join(map(str, CONCURRENCY)), help="comma-separated levels"
    )
    parser.add_argument(
        "--seconds",
        type=float,
        help=f"seconds per measured cell (default {CELL_SECONDS[0]}, {CELL_SECONDS[1]} with --quick)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="where RESULTS.md, results.json and results.png go (default: benchmarks/ for a "
        "full run, a temporary directory for --quick)",
    )
    parser.add_argument(
        "--durable-commits",
        action="store_true",
        help="keep the server's synchronous_commit (default: off for every system's "
        "connections, so writes measure the client rather than the disk's fsync)",
    )
    parser.add_argument(
        "--no-counts", action="store_true", help="skip counting statements and round trips"
    )
    parser.add_argument(
        "--report-from",
        type=Path,
        metavar="RESULTS_JSON",
        help="measure nothing: rewrite RESULTS.md and results.png from a results.json "
        "(into --out, default the JSON's directory)",
    )
    options = parser.parse_args(argv)
    options.systems = _subset(parser, "systems", options.systems, SYSTEM_NAMES)
    options.workloads = _subset(parser, "workloads", options.workloads, w.WORKLOAD_NAMES)
    try:
        options.concurrency = [int(c) for c in options.concurrency.split(",") if c]
    except ValueError:
        parser.error("--concurrency takes comma-separated integers")
    if not options.concurrency or not all(1 <= c <= MAX_CONCURRENCY for c in options.concurrency):
        parser.error(f"--concurrency levels must be within 1..{MAX_CONCURRENCY}")
    if options.rounds is None:
        options.rounds = 1 if options.quick else FULL_ROUNDS
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")
    if options.seconds is None:
        options.seconds = CELL_SECONDS[1] if options.quick else CELL_SECONDS[0]
    options.warmup_seconds = WARMUP_SECONDS[1] if options.quick else WARMUP_SECONDS[0]
    if options.out is None:
        options.out = Path(tempfile.gettempdir()) / "vinyl-bench-quick" if options.quick else HERE
    return options


def _subset(
    parser: argparse.ArgumentParser, what: str, value: str, known: tuple[str, ...]
) -> list[str]:
    chosen = [name for name in value.split(",") if name]
    unknown = [name for name in chosen if name not in known]
    if unknown or not chosen:
        parser.error(f"--{what}: unknown {unknown or 'empty'}; known: {', '.join(known)}")
    return [name for name in known if name in chosen]  # canonical order


def log(message: str) -> None:
    print(message, flush=True)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if options.report_from is not None:
        from .report import load_run, write_reports

        paths = write_reports(load_run(options.report_from, options.out))
        log("wrote " + ", ".join(str(p) for p in paths))
        return 0
    # SIGTERM (timeout, CI cancelling) runs the clean-up too: tables dropped, lock released.
    signal.signal(signal.SIGTERM, _interrupt)
    from . import data

    url = data.database_url()
    run = Run(
        options,
        datetime.datetime.now(datetime.UTC),
        UPDATES[1] if options.quick else UPDATES[0],
    )
    began = time.perf_counter()
    wire.install()  # before any connection is opened
    data.configure_django(url, options.durable_commits)
    libpq_options = data.session_options(url, options.durable_commits)

    import vinyl_async
    import vinyl_sync

    from .models import build_models
    from .systems import (
        DjangoAsync,
        DjangoSync,
        RawAsync,
        RawSync,
        System,
        VinylAsync,
        VinylSync,
    )

    models_async = build_models(vinyl_async.VinylManager, "bench_async")
    models_sync = build_models(vinyl_sync.VinylManager, "bench_sync")
    updates = run.updates[0]
    factories = {
        "raw_async": lambda: RawAsync(url, updates, libpq_options),
        "raw_sync": lambda: RawSync(url, updates, libpq_options),
        "django_sync": lambda: DjangoSync(models_async, updates),
        "django_async": lambda: DjangoAsync(models_async, updates),
        "vinyl_async": lambda: VinylAsync(models_async, updates),
        "vinyl_sync": lambda: VinylSync(models_sync, updates),
    }
    log(f"vinyl benchmark on {_redact(url)} ({'quick' if options.quick else 'full'} run)")
    lock = data.exclusive_run(url, ADVISORY_LOCK, log)
    run.environment = _environment(url)
    data.drop_tables(url)
    runner = Runner()
    systems: list[System] = []
    try:
        data.create_tables(models_async)
        data.populate(url)
        run.setup_seconds = time.perf_counter() - began
        log(f"tables created and filled in {run.setup_seconds:.1f}s")
        for name in options.systems:
            system = factories[name]()
            runner.call(system.open, system.is_async)
            systems.append(system)
        operations = {system.name: system.operations() for system in systems}
        _measure_all(run, runner, systems, operations)
        if not options.no_counts:
            _count_all(run, runner, systems, operations)
        run.environment["load_average_after"] = _load_average()
    finally:
        for system in reversed(systems):
            try:
                runner.call(system.close, system.is_async)
            except Exception as exc:  # report, but keep cleaning up
                log(f"closing {system.name} failed: {exc!r}")
        runner.close()
        data.drop_tables(url)
        lock.close()
    run.total_seconds = time.perf_counter() - began

    from .report import write_reports

    paths = write_reports(run)
    log(f"total {run.total_seconds:.0f}s; wrote " + ", ".join(str(p) for p in paths))
    return 0


def _redact(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    if params.get("password"):
        params["password"] = "***"
    return " ".join(f"{k}={v}" for k, v in params.items())


def _measure_all(run: Run, runner: Runner, systems: list[Any], operations: dict[str, Any]) -> None:
    options = run.options
    cells: dict[tuple[str, str, int], Cell] = {}
    for workload_name in options.workloads:
        for concurrency in options.concurrency:
            for system in systems:
                cell = Cell(system.name, workload_name, concurrency)
                if workload_name in system.not_applicable:
                    cell.status, cell.note = "n/a", system.not_applicable[workload_name]
                elif workload_name not in operations[system.name]:
                    cell.status, cell.note = "n/a", "not implemented by this system"
                cells[(system.name, workload_name, concurrency)] = cell
                run.cells.append(cell)
    for cell in run.cells:
        if cell.status == "n/a":
            log(f"  skip {cell.system} {cell.workload}: {cell.note}")
    for round_index in range(options.rounds):
        log(f"round {round_index + 1}/{options.rounds}")
        for workload_name in options.workloads:
            for concurrency in options.concurrency:
                line = []
                for system in systems:
                    cell = cells[(system.name, workload_name, concurrency)]
                    if cell.status != "ok":
                        continue
                    op = operations[system.name][workload_name]
                    system.updates_per_op = updates_at(run, concurrency)
                    # Same op indices (hence parameters) for every system in this round.
                    first = round_index * 10**6
                    try:
                        if round_index == 0 and options.warmup_seconds > 0:
                            runner.measure(
                                op,
                                system.is_async,
                                concurrency=concurrency,
                                first=10**7,
                                seconds=options.warmup_seconds,
                                min_ops=concurrency,
                            )
                        sample = runner.measure(
                            op,
                            system.is_async,
                            concurrency=concurrency,
                            first=first,
                            seconds=options.seconds,
                            min_ops=concurrency,
                        )
                    except Exception as exc:
                        cell.status = "failed"
                        cell.note = _describe(exc)
                        log(f"  {system.name} {workload_name} c={concurrency} FAILED: {cell.note}")
                        if os.environ.get("VINYL_BENCH_TRACEBACKS"):
                            traceback.print_exc()
                        continue
                    cell.samples.append(sample)
                    line.append(f"{system.name} {_rate(sample.ops_per_second)}")
                if line:
                    log(f"  {workload_name:<16} c={concurrency:<2} ops/s: " + " | ".join(line))


def _count_all(run: Run, runner: Runner, systems: list[Any], operations: dict[str, Any]) -> None:
    """Statements and round trips per operation, on the wire, one operation at a time."""
    log("counting statements and round trips (libpq trace, concurrency 1)")
    for system in systems:
        for workload_name in run.options.workloads:
            op = operations[system.name].get(workload_name)
            if op is None or workload_name in system.not_applicable:
                continue
            ops = 1 if workload_name.startswith("update1000") else 10
            system.updates_per_op = updates_at(run, 1)
            tracer = wire.Tracer()
            try:
                if not workload_name.startswith("update1000"):
                    # Untraced first: psycopg prepares a statement on its 5th execution on a
                    # connection (one extra round trip, once); let that happen on every pooled
                    # connection before counting.
                    runner.measure(
                        op,
                        system.is_async,
                        concurrency=1,
                        first=3 * 10**7,
                        seconds=0,
                        min_ops=6 * POOL_SIZE,
                    )
                with system.observe() as reported:
                    tracer.start()
                    try:
                        runner.measure(
                            op,
                            system.is_async,
                            concurrency=1,
                            first=2 * 10**7,
                            seconds=0,
                            min_ops=ops,
                        )
                    finally:
                        counts = tracer.stop()
            except Exception as exc:
                run.count_failures[(system.name, workload_name)] = _describe(exc)
                continue
            run.counts[(system.name, workload_name)] = Counts(
                ops=ops,
                statements=counts.statements / ops,
                transaction=counts.transaction / ops,
                round_trips=counts.round_trips / ops,
                reported=(
                    {key: value / ops for key, value in reported.items()}
                    if reported is not None
                    else None
                ),
                sql=counts.sql,
            )


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    described = f"{type(exc).__name__}: {first}"[:300]
    if type(exc).__name__ == "SynchronousOnlyOperation":
        described += " (Django's sync method ran: vinyl does not implement it yet?)"
    return described


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _environment(url: str) -> dict[str, Any]:
    import platform
    from importlib import metadata

    import psycopg

    from .data import server_version

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    import vinyl_async
    import vinyl_sync

    cpu_model = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = "?"
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "ram": ram,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "django": version("django"),
        "psycopg": f"{psycopg.__version__} ({psycopg.pq.__impl__} implementation, "
        f"libpq {psycopg.pq.version()})",
        "psycopg_pool": version("psycopg-pool"),
        "asgiref": version("asgiref"),
        "vinyl_async": vinyl_async.__version__,
        "vinyl_sync": vinyl_sync.__version__,
        "vinyl_async_path": str(Path(vinyl_async.__file__).parent),
        "postgresql": server_version(url),
        "load_average_before": _load_average(),
        "git": _git_revision(),
    }


def _git_revision() -> str | None:
    """The source tree's commit (``-dirty`` with uncommitted changes), if it is a git tree."""
    import subprocess

    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None
