"""results.json, RESULTS.md and results.png from a finished run."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import workloads as w
from .data import POOL_SIZE
from .systems import FLOOR, SYSTEM_TITLES

if TYPE_CHECKING:
    from .run import Cell, Run

SINGLE_STATEMENT = ("get_pk", "filter100", "create", "update_pk", "values_list1000")


def summarize(run: Run) -> list[dict[str, Any]]:
    """One row per cell: medians over rounds, spread, ratio to the floor."""
    rows = []
    floors: dict[tuple[str, int], float] = {}
    for cell in run.cells:
        row = _cell_row(cell)
        rows.append(row)
        if cell.system == FLOOR and row["ops_per_s"]:
            floors[(cell.workload, cell.concurrency)] = row["ops_per_s"]
    for row in rows:
        floor = floors.get((row["workload"], row["concurrency"]))
        row["ratio"] = row["ops_per_s"] / floor if floor and row["ops_per_s"] else None
    for row in rows:  # rounded only now: ratios come from the unrounded medians
        for key, digits in (
            ("ops_per_s", 3),
            ("cpu_us_per_op", 1),
            ("spread_pct", 1),
            ("ratio", 4),
        ):
            if row[key] is not None:
                row[key] = round(row[key], digits)
    return rows


def _cell_row(cell: Cell) -> dict[str, Any]:
    rates = [s.ops_per_second for s in cell.samples]
    cpu = [s.cpu_us_per_op for s in cell.samples]
    median = statistics.median(rates) if rates else None
    return {
        "system": cell.system,
        "workload": cell.workload,
        "concurrency": cell.concurrency,
        "status": cell.status if cell.samples or cell.status != "ok" else "failed",
        "note": cell.note,
        "ops_per_s": median,
        "cpu_us_per_op": statistics.median(cpu) if cpu else None,
        # (max - min) / median over rounds, in percent
        "spread_pct": (max(rates) - min(rates)) / median * 100
        if median and len(rates) > 1
        else None,
        "rounds": [
            {
                "ops": s.ops,
                "seconds": round(s.seconds, 6),
                "cpu_seconds": round(s.cpu_seconds, 6),
                "ops_per_s": round(s.ops_per_second, 3),
            }
            for s in cell.samples
        ],
    }


def load_run(path: Path, out: Path) -> Run:
    """A finished run as :func:`write_reports` needs it, read back from its results.json."""
    import argparse
    import datetime

    from .run import Cell, Counts, Run
    from .runner import Sample

    document = json.loads(Path(path).read_text())
    rows = document["results"]
    options = argparse.Namespace(
        quick=document["mode"] == "quick",
        rounds=document["rounds"],
        systems=list(document["systems"]),
        workloads=list(document["workloads"]),
        concurrency=sorted({r["concurrency"] for r in rows}),
        seconds=document["cell_seconds"],
        durable_commits=document.get("synchronous_commit") != "off",
        out=out,
    )
    updates = document["updates_per_op"]
    run = Run(
        options,
        datetime.datetime.fromisoformat(document["date"]),
        (updates["concurrency 1"], updates["higher concurrency"]),
    )
    run.setup_seconds = document["setup_seconds"]
    run.total_seconds = document["total_seconds"]
    run.environment = document["environment"]
    for row in rows:
        cell = Cell(row["system"], row["workload"], row["concurrency"])
        cell.samples = [Sample(r["ops"], r["seconds"], r["cpu_seconds"]) for r in row["rounds"]]
        cell.status, cell.note = row["status"], row["note"]
        run.cells.append(cell)
    for entry in document["statements"]:
        run.counts[(entry["system"], entry["workload"])] = Counts(
            ops=entry["ops_traced"],
            statements=entry["statements_per_op"],
            transaction=entry["transaction_control_per_op"],
            round_trips=entry["round_trips_per_op"],
            reported=entry["reported_by_vinyl_per_op"],
            sql=entry["sql"],
        )
    for entry in document["statement_count_failures"]:
        run.count_failures[(entry["system"], entry["workload"])] = entry["error"]
    return run


def write_reports(run: Run) -> list[Path]:
    out: Path = run.options.out
    out.mkdir(parents=True, exist_ok=True)
    rows = summarize(run)
    document = _json_document(run, rows)
    json_path = out / "results.json"
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    paths = [json_path]
    chart_path = out / "results.png"
    chart_note = write_chart(rows, run, chart_path)
    if chart_note is None:
        paths.append(chart_path)
    else:
        print(f"no chart: {chart_note}", flush=True)
    md_path = out / "RESULTS.md"
    md_path.write_text(markdown(run, rows, chart_note))
    paths.append(md_path)
    print(summary_text(run, rows), flush=True)
    return paths


def _json_document(run: Run, rows: list[dict[str, Any]]) -> dict[str, Any]:
    options = run.options
    return {
        "date": run.started.isoformat(timespec="seconds"),
        "mode": "quick" if options.quick else "full",
        "rounds": options.rounds,
        "pool_size": POOL_SIZE,
        "updates_per_op": {"concurrency 1": run.updates[0], "higher concurrency": run.updates[1]},
        "cell_seconds": options.seconds,
        "synchronous_commit": "server default" if options.durable_commits else "off",
        "setup_seconds": round(run.setup_seconds, 2),
        "total_seconds": round(run.total_seconds, 2),
        "environment": run.environment,
        "systems": {name: SYSTEM_TITLES[name] for name in options.systems},
        "workloads": {x.name: x.title for x in w.WORKLOADS if x.name in options.workloads},
        "results": rows,
        "statements": [
            {
                "system": system,
                "workload": workload,
                "ops_traced": counts.ops,
                "statements_per_op": counts.statements,
                "transaction_control_per_op": counts.transaction,
                "round_trips_per_op": counts.round_trips,
                "reported_by_vinyl_per_op": counts.reported,
                "sql": counts.sql,
            }
            for (system, workload), counts in run.counts.items()
        ],
        "statement_count_failures": [
            {"system": s, "workload": wl, "error": e} for (s, wl), e in run.count_failures.items()
        ],
    }


# ----------------------------------------------------------------------------- formatting


def rate_text(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _num(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


def _busy_warning(env: dict[str, Any]) -> list[str]:
    """A warning when other processes competed for the CPUs during the run."""
    loads = [x for x in (env.get("load_average_before"), env.get("load_average_after")) if x]
    cpus = env.get("nproc") or 1
    if not loads or max(values[0] for values in loads) <= cpus:
        return []
    worst = max(values[0] for values in loads)
    return [
        f"> **Busy machine.** The 1-minute load average reached {worst:.1f} on {cpus} CPUs "
        "during this run: other processes (here, other test suites hitting the same "
        "PostgreSQL server) competed for the CPUs. Throughput and spreads are noisier than on "
        "an idle machine and favour threads (sync systems get more CPU slices than one event "
        "loop); *CPU µs/op* is the steadier column. Rerun `nox -s bench` on an idle machine "
        "before drawing fine conclusions.",
        "",
    ]


def _load(values: list[float] | None) -> str:
    return "?" if not values else " / ".join(f"{v:.2f}" for v in values)


def _lookup(rows: list[dict[str, Any]]) -> dict[tuple[str, str, int], dict[str, Any]]:
    return {(r["system"], r["workload"], r["concurrency"]): r for r in rows}


def _status_mark(row: dict[str, Any] | None) -> str:
    if row is None:
        return "–"
    if row["status"] == "n/a":
        return "n/a"
    if row["status"] == "failed":
        return "failed"
    return ""


def markdown(run: Run, rows: list[dict[str, Any]], chart_note: str | None) -> str:
    options = run.options
    env = run.environment
    table = _lookup(rows)
    systems = options.systems
    lines = [
        "# vinyl benchmark results",
        "",
        f"Generated by `python -m benchmarks{' --quick' if options.quick else ''}` on "
        f"{run.started:%Y-%m-%d %H:%M} UTC ({'quick smoke run: numbers are noise' if options.quick else 'full run'}, "
        f"{options.rounds} round{'s' if options.rounds != 1 else ''}, {run.total_seconds:.0f} s). "
        "Regenerate with `nox -s bench` (writes this file, `results.json` and `results.png`).",
        "",
        *_busy_warning(env),
        "## Machine and versions",
        "",
        f"- Machine: {env.get('nproc', '?')} CPUs ({env.get('cpu_model', '?')}), "
        f"{env.get('ram', '?')} RAM, {env.get('platform', '?')}; PostgreSQL "
        f"{env.get('postgresql', '?')} on the same machine (loopback TCP).",
        f"- Python {env.get('python', '?')}, Django {env.get('django', '?')}, "
        f"psycopg {env.get('psycopg', '?')}, psycopg_pool {env.get('psycopg_pool', '?')}, "
        f"asgiref {env.get('asgiref', '?')}, vinyl_async {env.get('vinyl_async', '?')}, "
        f"vinyl_sync {env.get('vinyl_sync', '?')} (source tree {env.get('git') or '?'}).",
        f"- Load average (1, 5, 15 min) before the run: {_load(env.get('load_average_before'))}, "
        f"after: {_load(env.get('load_average_after'))}.",
        "",
        "## Method",
        "",
        "Every system runs the same operations with the same parameters on the same tables "
        f"(`bench_*`: {w.N_AUTHORS:,} authors, {w.N_BOOKS:,} books, {w.N_COUNTERS:,} "
        f"counters; created with Django's schema editor, dropped after). Pools hold {POOL_SIZE} "
        "connections for every system. Concurrency N = N asyncio tasks (async systems) or N "
        "threads (sync systems). In each round every cell runs for "
        f"{options.seconds:g} s (at least one operation per worker; operations in flight then "
        "finish)"
        + (", after a warm-up in the first round" if not options.quick else "")
        + "; values are medians over rounds. *ops/s* is operations per wall-clock second; "
        "*× raw* is the ratio to raw psycopg async in the same round set (higher is better); "
        "*CPU µs/op* is this process's CPU time (`time.process_time`, all threads) over the "
        "measured window divided by operations (the database server is not included); "
        "*spread* is (max − min) / median of ops/s over rounds.",
        "",
        (
            "Every connection of every system has `synchronous_commit` as the server sets it "
            "(`--durable-commits`)."
            if options.durable_commits
            else "Every connection of every system runs with `synchronous_commit=off` (libpq "
            "`options`): commits do not wait for the WAL flush, so write workloads measure "
            "the client and the protocol, not this machine's disk (`--durable-commits` keeps "
            "the server's setting)."
        ),
        "",
        "- **psycopg async / sync (raw SQL)**: `AsyncConnectionPool` / `ConnectionPool`, "
        "autocommit, hand-written SQL, rows left as tuples: the floor.",
        "- **Django sync ORM**: Django's built-in psycopg pool (`OPTIONS['pool']`); each "
        "operation is wrapped as a WSGI request is (`request_started` … `request_finished`, "
        "which gives the connection back to the pool).",
        "- **Django async API (ASGI)**: as `ASGIHandler` runs a request: "
        "`async with ThreadSensitiveContext()`, `request_started.asend()`, the operation "
        "(`aget`, `acreate`, `aupdate`, `async for`), then `request_finished` through "
        "`sync_to_async`.",
        "- **vinyl_async / vinyl_sync**: `M.vinyl`, outside `atomic` (each operation takes "
        "a pooled connection and gives it back).",
        "",
        "Workloads (one operation each):",
        "",
    ]
    for workload in w.WORKLOADS:
        if workload.name in options.workloads:
            title = workload.title
            if workload.name.startswith("update1000"):
                title = title.replace("1,000", f"{run.updates[0]:,}") + (
                    f" ({run.updates[1]:,} per operation above concurrency 1, where "
                    "32 operations are always in flight)"
                )
            lines.append(f"- `{workload.name}`: {title}")
    lines += [
        "",
        "The batch workload uses `vinyl_async.batch()` / `vinyl_sync.batch()`; raw psycopg does the same updates with "
        "`executemany` inside one transaction (pipelined by psycopg).",
        "",
    ]
    if chart_note is None:
        lines += ["![ratio to raw psycopg async](results.png)", ""]
    else:
        lines += [f"(No chart: {chart_note}.)", ""]
    for concurrency in options.concurrency:
        lines += [
            f"## Concurrency {concurrency}: ratio to raw psycopg async",
            "",
            "| workload | " + " | ".join(SYSTEM_TITLES[s] for s in systems) + " |",
            "|---|" + "---:|" * len(systems),
        ]
        for workload in options.workloads:
            cells = []
            for system in systems:
                row = table.get((system, workload, concurrency))
                mark = _status_mark(row)
                if mark:
                    cells.append(mark)
                elif system == FLOOR:
                    cells.append(f"1 ({rate_text(row['ops_per_s'])}/s)")
                else:
                    cells.append(_ratio(row["ratio"]))
            lines.append(f"| {workload} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += [
        "## Client CPU µs per operation (lower is better)",
        "",
        "Less sensitive to other load on the machine than ops/s.",
        "",
        "| workload | conc. | " + " | ".join(SYSTEM_TITLES[s] for s in systems) + " |",
        "|---|---:|" + "---:|" * len(systems),
    ]
    for workload in options.workloads:
        for concurrency in options.concurrency:
            cells = []
            for system in systems:
                row = table.get((system, workload, concurrency))
                mark = _status_mark(row)
                cells.append(mark or f"{row['cpu_us_per_op']:,.0f}")
            lines.append(f"| {workload} | {concurrency} | " + " | ".join(cells) + " |")
    lines.append("")
    lines += [
        "## All measurements",
        "",
        "| workload | conc. | system | ops/s | × raw | CPU µs/op | spread |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for workload in options.workloads:
        for concurrency in options.concurrency:
            for system in systems:
                row = table.get((system, workload, concurrency))
                if row is None:
                    continue
                mark = _status_mark(row)
                if mark:
                    lines.append(
                        f"| {workload} | {concurrency} | {SYSTEM_TITLES[system]} | {mark} | | | |"
                    )
                    continue
                spread = "–" if row["spread_pct"] is None else f"{row['spread_pct']:.0f}%"
                cpu = "–" if row["cpu_us_per_op"] is None else f"{row['cpu_us_per_op']:,.0f}"
                lines.append(
                    f"| {workload} | {concurrency} | {SYSTEM_TITLES[system]} | "
                    f"{rate_text(row['ops_per_s'])} | {_ratio(row['ratio'])} | {cpu} | {spread} |"
                )
    lines.append("")
    if run.counts or run.count_failures:
        lines += _statement_section(run)
    lines += _targets_section(run, rows)
    notes = [r for r in rows if r["status"] != "ok" and r["concurrency"] == options.concurrency[0]]
    if notes or run.count_failures:
        lines += ["## Not measured", ""]
        seen = set()
        for row in rows:
            if row["status"] == "ok":
                continue
            key = (row["system"], row["workload"], row["status"], row["note"])
            if key in seen:
                continue
            seen.add(key)
            lines.append(
                f"- {SYSTEM_TITLES[row['system']]} `{row['workload']}`: {row['status']} — "
                f"{row['note']}"
            )
        for (system, workload), error in run.count_failures.items():
            lines.append(f"- statement count {SYSTEM_TITLES[system]} `{workload}`: {error}")
        lines.append("")
    return "\n".join(lines)


def _statement_section(run: Run) -> list[str]:
    systems = run.options.systems
    lines = [
        "## Statements and round trips per operation",
        "",
        "Counted on the wire (libpq protocol trace of every connection, one operation at a "
        "time): *statements* are SQL statements sent (transaction control — BEGIN, COMMIT, "
        "SAVEPOINT… — shown apart as *+N tx*), *RT* are round trips (the client sent "
        "messages, then waited for the answer; a pipeline is one round trip per chunk psycopg "
        "flushes, a few for 1,000 statements).",
        "",
        "| workload | " + " | ".join(SYSTEM_TITLES[s] for s in systems) + " |",
        "|---|" + "---:|" * len(systems),
    ]
    for workload in run.options.workloads:
        cells = []
        for system in systems:
            counts = run.counts.get((system, workload))
            if counts is None:
                cells.append("failed" if (system, workload) in run.count_failures else "n/a")
                continue
            text = _num(counts.statements)
            if counts.transaction:
                text += f" +{_num(counts.transaction)} tx"
            cells.append(f"{text} · {_num(counts.round_trips)} RT")
        lines.append(f"| {workload} | " + " | ".join(cells) + " |")
    lines.append("")
    reported = [(s, wl, c) for (s, wl), c in run.counts.items() if c.reported is not None]
    mismatches = [
        f"{s} {wl}: vinyl reported {_num(c.reported['statements'])} +{_num(c.reported['transaction'])} tx, "
        f"wire {_num(c.statements)} +{_num(c.transaction)} tx"
        for s, wl, c in reported
        if c.reported
        and (c.reported["statements"], c.reported["transaction"]) != (c.statements, c.transaction)
    ]
    if reported:
        if mismatches:
            lines += [
                "vinyl's `observe_statements` disagrees with the wire for: "
                + "; ".join(mismatches)
                + ".",
                "",
            ]
        else:
            lines += [
                "vinyl's own `observe_statements` reports the same statements and transaction "
                "control as the wire for every workload.",
                "",
            ]
    return lines


def _targets_section(run: Run, rows: list[dict[str, Any]]) -> list[str]:
    """Issue 11's acceptance targets, computed (reported, never asserted)."""
    concurrency = 32 if 32 in run.options.concurrency else max(run.options.concurrency)
    table = _lookup(rows)

    def rate(system: str, workload: str) -> float | None:
        row = table.get((system, workload, concurrency))
        return row["ops_per_s"] if row and row["status"] == "ok" else None

    def spread(system: str, workload: str) -> str:
        row = table.get((system, workload, concurrency))
        return "" if not row or row["spread_pct"] is None else f" ±{row['spread_pct'] / 2:.0f}%"

    def compare(a: str, b: str, factor: float) -> str:
        parts, ok = [], True
        for workload in run.options.workloads:
            x, y = rate(a, workload), rate(b, workload)
            if x is None or y is None:
                continue
            ratio = x / y
            ok = ok and ratio >= factor
            parts.append(f"{workload} {ratio:.2f}×{spread(a, workload)}")
        if not parts:
            return "not measured"
        return ("met" if ok else "NOT met") + ": " + ", ".join(parts)

    lines = [
        f"## Issue 11 targets (concurrency {concurrency}; computed, not asserted)",
        "",
        "Ratios of medians; ± is half the run-to-run spread of the first system named.",
        "",
        f"- vinyl_async ≥ 2× Django async API on every workload — {compare('vinyl_async', 'django_async', 2.0)}",
        f"- vinyl_async ≥ Django sync ORM on every workload — {compare('vinyl_async', 'django_sync', 1.0)}",
        f"- vinyl_sync ≥ Django sync ORM on every workload (within noise) — {compare('vinyl_sync', 'django_sync', 1.0)}",
    ]
    for workload, target in (("get_pk", 0.7), ("filter100", 0.35)):
        row = table.get(("vinyl_async", workload, concurrency))
        if row and row["ratio"] is not None:
            verdict = "met" if row["ratio"] >= target else "NOT met"
            lines.append(
                f"- vinyl_async `{workload}` ≥ {target} × raw psycopg async — {verdict}: {row['ratio']:.2f}"
            )
        else:
            lines.append(
                f"- vinyl_async `{workload}` ≥ {target} × raw psycopg async — not measured"
            )
    for system in ("vinyl_async", "vinyl_sync"):
        speedups = []
        for level in run.options.concurrency:
            one = table.get((system, "update1000", level))
            many = table.get((system, "update1000_batch", level))
            if one and many and one["status"] == many["status"] == "ok":
                speedups.append((level, many["ops_per_s"] / one["ops_per_s"]))
        if speedups:
            verdict = "met" if all(x >= 3 for _, x in speedups) else "NOT met"
            detail = ", ".join(f"{x:.2f}× at concurrency {level}" for level, x in speedups)
            lines.append(
                f"- {system}: batch() ≥ 3× faster than separate updates — {verdict}: {detail}"
            )
        else:
            lines.append(f"- {system}: batch() ≥ 3× faster than separate updates — not measured")
    for system in ("vinyl_async", "vinyl_sync"):
        trips = {
            workload: run.counts[(system, workload)].round_trips
            for workload in SINGLE_STATEMENT
            if (system, workload) in run.counts
        }
        if trips:
            ok = all(value == 1 for value in trips.values())
            detail = ", ".join(f"{k} {_num(v)}" for k, v in trips.items())
            lines.append(
                f"- {system}: a single-statement operation outside atomic costs one round trip "
                f"— {'met' if ok else 'NOT met'}: {detail}"
            )
    lines.append("")
    return lines


def summary_text(run: Run, rows: list[dict[str, Any]]) -> str:
    """Ratios to raw psycopg async, for the console."""
    table = _lookup(rows)
    systems = [s for s in run.options.systems if s != FLOOR]
    width = max(len(s) for s in systems) + 2
    out = []
    for concurrency in run.options.concurrency:
        out.append(f"ratio to raw psycopg async, concurrency {concurrency}:")
        out.append(f"  {'':<16}" + "".join(f"{s:>{width}}" for s in systems))
        for workload in run.options.workloads:
            cells = []
            for system in systems:
                row = table.get((system, workload, concurrency))
                mark = _status_mark(row)
                cells.append(f"{mark or _ratio(row['ratio']):>{width}}")
            out.append(f"  {workload:<16}" + "".join(cells))
    if run.counts:
        out.append("statements (+tx) / round trips per operation:")
        for workload in run.options.workloads:
            cells = []
            for system in run.options.systems:
                c = run.counts.get((system, workload))
                text = (
                    "n/a"
                    if c is None
                    else (
                        f"{_num(c.statements)}{'+' + _num(c.transaction) if c.transaction else ''}"
                        f"/{_num(c.round_trips)}"
                    )
                )
                cells.append(f"{system} {text}")
            out.append(f"  {workload:<16} " + ", ".join(cells))
    return "\n".join(out)


# ---------------------------------------------------------------------------------- chart


def write_chart(rows: list[dict[str, Any]], run: Run, path: Path) -> str | None:
    """Grouped bars of the ratios per concurrency; the reason if no chart was drawn."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter
    except ImportError:
        return "matplotlib is not installed"
    table = _lookup(rows)
    systems = [s for s in run.options.systems if s != FLOOR]
    workloads = run.options.workloads
    levels = run.options.concurrency
    colors = {
        "raw_sync": "#7f7f7f",
        "django_sync": "#1f77b4",
        "django_async": "#aec7e8",
        "vinyl_async": "#d62728",
        "vinyl_sync": "#ff9896",
    }
    fig, axes = plt.subplots(
        len(levels), 1, figsize=(12, 3.8 * len(levels)), squeeze=False, sharey=True
    )
    width = 0.8 / max(1, len(systems))
    for ax, concurrency in zip(axes[:, 0], levels, strict=True):
        for index, system in enumerate(systems):
            xs, ys = [], []
            for position, workload in enumerate(workloads):
                row = table.get((system, workload, concurrency))
                if row and row["ratio"]:
                    xs.append(position - 0.4 + width * (index + 0.5))
                    ys.append(row["ratio"])
            ax.bar(xs, ys, width, label=SYSTEM_TITLES[system], color=colors.get(system))
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xticks(range(len(workloads)), workloads)
        ax.set_ylabel("× raw psycopg async")
        ax.set_title(f"concurrency {concurrency} (higher is better; 1 = raw psycopg async)")
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[0, 0].legend(
        loc="upper center", bbox_to_anchor=(0.5, 1.35), ncol=len(systems), fontsize=9
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None
