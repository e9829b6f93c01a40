"""Django's own test modules, run against vinyl_sync: python conformance/run.py [options].

Obtains the test suite of the installed Django from its sdist (cached), runs the selected
modules with Django's runner (tests/runtests.py) under settings that make every model's
plain manager a vinyl_sync VinylManager and every instance a vinyl twin (see
vinyl_conformance.py), and compares each test's outcome with expectations.toml:

- a test that fails and is listed there (a deliberate deviation, or a known bug) is expected;
- a test that fails and is not listed, or is listed and passes, is unexpected: exit 1.

Prints per module: run, passed, skipped, expected deviations, failed (known bugs +
unexpected); --markdown FILE also writes the table as Markdown.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODULES = (
    "basic lookup queries many_to_one many_to_many one_to_one m2m_through aggregation "
    "annotations expressions ordering get_or_create update delete select_related "
    "prefetch_related model_inheritance custom_pk null_fk dates datetimes distinct_on_fields "
    "bulk_create transactions"
).split()
FAILED = ("failure", "error")


def django_version() -> str:
    import django

    return django.__version__


def django_tests(cache: Path, version: str) -> Path:
    """tests/ of Django *version*'s sdist, downloaded and extracted once into *cache*."""
    target = cache / f"django-{version}"
    tests = target / "tests"
    if (tests / "runtests.py").is_file():
        return tests
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:",
             "--no-deps", f"django=={version}", "-d", tmp],
            check=True,
        )  # fmt: skip
        (sdist,) = Path(tmp).glob("*.tar.gz")
        with tarfile.open(sdist) as tar:
            prefix = tar.getnames()[0].split("/")[0]
            members = [m for m in tar.getmembers() if m.name.startswith(f"{prefix}/tests/")]
            tar.extractall(tmp, members=members, filter="data")
        extracted = Path(tmp) / "extracted"
        extracted.mkdir()
        shutil.move(str(Path(tmp) / prefix / "tests"), extracted / "tests")
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(extracted), target)
    return tests


def load_expectations(path: Path, backend: str, series: str) -> dict[str, tuple[str, str]]:
    """{test id: (kind, reason)} of the entries that apply to *backend* on Django *series*."""
    data = tomllib.loads(path.read_text())
    tags = {backend, f"django-{series}"}
    expected: dict[str, tuple[str, str]] = {}
    for kind in ("deviations", "known_bugs"):
        for test_id, entry in data.get(kind, {}).items():
            if isinstance(entry, str):
                entry = {"reason": entry}
            only = set(entry.get("only", ()))
            backends = {t for t in only if not t.startswith("django-")}
            series_tags = only - backends
            if (backends and backend not in backends) or (series_tags and not tags & series_tags):
                continue
            expected[test_id] = (kind, entry["reason"])
    return expected


def run_backend(tests: Path, backend: str, modules: list[str], parallel: int, verbosity: int):
    results = Path(tempfile.mkstemp(prefix=f"vinyl-conformance-{backend}-", suffix=".json")[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    env["VINYL_CONFORMANCE_APPS"] = ",".join(modules)
    env["VINYL_CONFORMANCE_RESULTS"] = str(results)
    command = [sys.executable, "runtests.py", f"--settings=settings_{backend}",
               f"--parallel={parallel}", f"--verbosity={verbosity}", "--noinput", *modules]  # fmt: skip
    log = tests.parent / f"runtests-{backend}.log"
    print(f"$ (cd {tests} && {' '.join(command)}) > {log} 2>&1", flush=True)
    started = time.monotonic()
    with log.open("w") as out:
        subprocess.run(command, cwd=tests, env=env, check=False, stdout=out, stderr=out)
    elapsed = time.monotonic() - started
    try:
        outcomes = json.loads(results.read_text() or "{}")
    finally:
        results.unlink(missing_ok=True)
    if not outcomes:
        print("".join(log.read_text().splitlines(keepends=True)[-60:]))
        sys.exit(f"conformance: runtests.py on {backend} recorded no results (log: {log})")
    return outcomes, elapsed


def module_of(test_id: str) -> str:
    if " (" in test_id:  # setUpClass (module.tests.Class) and friends
        test_id = test_id.split(" (", 1)[1].rstrip(")")
    return test_id.split(".", 1)[0]


def compare(outcomes, expected, modules):
    rows = {m: collections.Counter() for m in modules}
    unexpected: list[str] = []
    known: list[str] = []
    for test_id, result in sorted(outcomes.items()):
        row = rows.setdefault(module_of(test_id), collections.Counter())
        outcome = result["outcome"]
        kind, reason = expected.get(test_id, (None, None))
        row["run"] += 1
        if outcome == "skip":
            row["skipped"] += 1
        elif outcome in FAILED:
            if kind == "deviations":
                row["deviation"] += 1
            elif kind == "known_bugs":
                row["failed"] += 1
                known.append(test_id)
            else:
                row["failed"] += 1
                row["unexpected"] += 1
                unexpected.append(
                    f"{test_id}: fails and is not in expectations.toml:\n{result['detail']}"
                )
        else:
            row["passed"] += 1
            if kind is not None:
                row["unexpected"] += 1
                unexpected.append(f"{test_id}: passes but is listed in [{kind}]: remove it")
    return rows, unexpected, known


def table(rows, title: str) -> list[str]:
    lines = [f"### {title}", "",
             "| module | run | passed | skipped | expected deviation | failed (known bug) | unexpected |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    total = collections.Counter()
    for module, row in sorted(rows.items()):
        total.update(row)
        lines.append(
            f"| {module} | {row['run']} | {row['passed']} | {row['skipped']} | "
            f"{row['deviation']} | {row['failed'] - row['unexpected']} | {row['unexpected']} |"
        )
    lines.append(
        f"| **total** | {total['run']} | {total['passed']} | {total['skipped']} | "
        f"{total['deviation']} | {total['failed'] - total['unexpected']} | {total['unexpected']} |"
    )
    counted = total["passed"] + total["failed"]
    rate = 100.0 * total["passed"] / counted if counted else 100.0
    ran = counted + total["deviation"]
    strict = 100.0 * total["passed"] / ran if ran else 100.0
    lines += [
        "",
        f"Pass rate, skips and deviations excluded: {total['passed']}/{counted} = {rate:.1f} %; "
        f"counting deviations as failures: {total['passed']}/{ran} = {strict:.1f} %",
        "",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="python conformance/run.py")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--modules", default=",".join(MODULES))
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--verbosity", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=ROOT / ".nox" / "_django_tests")
    parser.add_argument("--django-tests", type=Path, help="a Django tests/ directory to use")
    parser.add_argument("--expectations", type=Path, default=HERE / "expectations.toml")
    parser.add_argument("--markdown", type=Path, help="append the tables to this file")
    parser.add_argument("--json", type=Path, help="write every outcome to this file")
    options = parser.parse_args()
    version = django_version()
    series = ".".join(version.split(".")[:2])
    tests = options.django_tests or django_tests(options.cache, version)
    modules = [m for m in options.modules.split(",") if m]
    failures = 0
    report: list[str] = []
    everything = {}
    for backend in [b for b in options.backends.split(",") if b]:
        outcomes, elapsed = run_backend(
            tests, backend, modules, options.parallel, options.verbosity
        )
        everything[backend] = outcomes
        expected = load_expectations(options.expectations, backend, series)
        rows, unexpected, known = compare(outcomes, expected, modules)
        title = f"Django {version}, {backend} ({elapsed:.0f} s)"
        lines = table(rows, title)
        report += lines
        print("\n".join(["", *lines]))
        if known:
            print(
                f"{len(known)} known bugs failed as listed (see [known_bugs] in expectations.toml)"
            )
        for line in unexpected:
            print(f"UNEXPECTED: {line}")
        failures += len(unexpected)
    if options.markdown:
        with options.markdown.open("a") as fh:
            fh.write("\n".join(report) + "\n")
    if options.json:
        options.json.write_text(json.dumps(everything, indent=1, sort_keys=True))
    if failures:
        print(f"conformance: {failures} unexpected results")
        return 1
    print("conformance: every result as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
