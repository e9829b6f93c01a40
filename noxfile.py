"""Every workflow of vinyl: codegen, lint, tests, build, publish, release rehearsal, demo, bench.

``nox -l`` lists the sessions. The ones that matter day to day:

    nox -s codegen                 regenerate build/vinyl_sync and tests/sync_ from the async source
    nox -s tests                   the whole matrix: {async,sync} x {sqlite,postgresql,mysql} x Django
    nox -s "tests(async, sqlite, django-5.2)" -- -x -k get      one cell, pytest options after --
    nox -s build                   sdists + wheels of both distributions into dist/
    nox -s release_check           publish to a throwaway local index and test what pip installs
    nox -s conformance             Django's own test modules against vinyl_sync (docs/conformance.md)

Tests never run against the source tree: every test session builds the wheel of its
distribution, installs it into the session's virtualenv and checks (with a small pytest plugin)
that the package pytest imported lives in that virtualenv's site-packages.

Interpreters: Django 6.1 needs Python >= 3.12. ``find_python`` looks on PATH and in pyenv's
versions directory. A missing interpreter skips its sessions, except when ``CI`` is set: then
it is an error.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import nox

nox.needs_version = ">=2025.5.1"

ROOT = Path(__file__).resolve().parent
SYNC_ROOT = ROOT / "build" / "vinyl_sync"
DIST_DIR = ROOT / "dist"
WHEEL_CACHE = ROOT / ".nox" / "_wheels"
REPORTS = ROOT / ".nox" / "_reports"
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


IN_CI = _truthy(os.environ.get("CI"))

nox.options.default_venv_backend = "virtualenv"
nox.options.download_python = "never"  # use the machine's interpreters; never fetch one
nox.options.error_on_missing_interpreters = IN_CI
nox.options.sessions = ["codegen_check", "codegen_tests", "lint", "tests"]

FLAVORS = ("async", "sync")
BACKENDS = ("sqlite", "postgresql", "mysql")
# Django series -> the Python it is tested on (Django 6.x requires Python >= 3.12).
DJANGO_MATRIX = (("5.2", "3.11"), ("6.1", "3.12"))
PYPISERVER = "pypiserver[passlib]==2.4.2"
DEFAULT_DATABASE_URLS = {
    "VINYL_TEST_POSTGRES": "postgresql://postgres@127.0.0.1:5432/test",
    "VINYL_TEST_MYSQL": "mysql://root@127.0.0.1:3306/test",
}
# Must never be installed by `pip install vinyl_sync[postgresql,mysql]` (SPEC section 1).
NOT_IN_SYNC = ("aiomysql", "aiosqlite", "libcst", "pytest-asyncio")
# ... and its code must not mention these (issue 3's acceptance grep over build/vinyl_sync/src,
# applied here to the wheel itself: docstrings and messages count, a sync user reads them).
ASYNC_LEFTOVER = re.compile(r"await |async def|asyncio|aiosqlite|AsyncConnection")


def group(*names: str) -> tuple[str, ...]:
    """Requirements of PEP 735 dependency groups in pyproject.toml."""
    return nox.project.dependency_groups(PYPROJECT, *names)


# --------------------------------------------------------------------------- interpreters


def _pyenv_root() -> Path | None:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    if exe := shutil.which("pyenv"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([exe, "root"], capture_output=True, text=True, timeout=30)
            if out.returncode == 0 and out.stdout.strip():
                return Path(out.stdout.strip())
    default = Path.home() / ".pyenv"
    return default if default.is_dir() else None


def _probe(exe: str) -> tuple[str, str] | None:
    """(X.Y, real sys.executable) of an interpreter, or None if it does not run.

    pyenv shims exist for every installed version but fail unless that version is selected,
    so a name on PATH proves nothing until it has run.
    """
    code = "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.executable)"
    try:
        out = subprocess.run([exe, "-c", code], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.stdout.splitlines()
    return (lines[0], lines[1]) if out.returncode == 0 and len(lines) == 2 else None


@functools.cache
def find_python(version: str) -> str | None:
    """Absolute path of a Python X.Y: pythonX.Y or python3 on PATH, else the newest pyenv build."""
    candidates = [exe for name in (f"python{version}", "python3") if (exe := shutil.which(name))]
    if root := _pyenv_root():

        def patch_level(path: Path) -> int:
            return int(path.parents[1].name.rsplit(".", 1)[1])

        builds = [
            p
            for p in (root / "versions").glob(f"{version}.*/bin/python{version}")
            if re.fullmatch(rf"{re.escape(version)}\.\d+", p.parents[1].name)
        ]
        candidates += [str(p) for p in sorted(builds, key=patch_level, reverse=True)]
    for exe in candidates:
        if (probe := _probe(exe)) and probe[0] == version:
            return probe[1]
    return None


def python_for(version: str) -> str:
    """What to give nox as `python`: the found interpreter, or the bare version, which nox
    reports as missing (a skip locally, an error in CI)."""
    return find_python(version) or version


def first_python(*versions: str) -> str:
    """The first of *versions* found on this machine (else the first, reported missing)."""
    return next((exe for v in versions if (exe := find_python(v))), versions[0])


# Sessions that only need "a supported Python" take the oldest one that exists.
TOOLS_PYTHON = first_python("3.11", "3.12", "3.13")


# --------------------------------------------------------------------------- wheels


@dataclass(frozen=True)
class Distribution:
    name: str  # import name == distribution name
    project: Path  # directory holding its pyproject.toml
    tests: Path

    @property
    def project_name(self) -> str:  # normalized (PEP 503)
        return re.sub(r"[-_.]+", "-", self.name).lower()


DISTRIBUTIONS = {
    "async": Distribution("vinyl_async", ROOT, ROOT / "tests" / "async_"),
    "sync": Distribution("vinyl_sync", SYNC_ROOT, ROOT / "tests" / "sync_"),
}


def version_from_source(root: Path = ROOT) -> str:
    text = (root / "src" / "vinyl_async" / "__about__.py").read_text()
    match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", text, re.M)
    if not match:
        raise RuntimeError("no __version__ in src/vinyl_async/__about__.py")
    return match.group(1)


def _source_files(dist: Distribution) -> list[Path]:
    """Everything that can change the wheel of *dist*."""
    files = [
        p
        for p in dist.project.iterdir()
        if p.is_file()
        and (
            p.name in ("pyproject.toml", ".gitignore")  # hatchling leaves out git-ignored files
            or p.name.startswith(("README", "LICENSE", "CHANGELOG"))
        )
    ]
    files += [ROOT / ".gitignore"] if (ROOT / ".gitignore").is_file() else []
    files += [
        p
        for p in (dist.project / "src").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    ]
    return sorted(set(files))


def _source_hash(dist: Distribution) -> str:
    digest = hashlib.sha256()
    for path in _source_files(dist):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build_wheel(session: nox.Session, dist: Distribution) -> Path:
    """The wheel of *dist*, built once per content of its sources (.nox/_wheels/<name>-<hash>/)."""
    if not (dist.project / "pyproject.toml").is_file():
        session.error(
            f"{dist.project.relative_to(ROOT)}/pyproject.toml is missing: "
            "generate the sync twin with `nox -s codegen`"
        )
    key = _source_hash(dist)
    final = WHEEL_CACHE / f"{dist.name}-{key}"
    if not final.is_dir():
        WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{dist.name}-", dir=WHEEL_CACHE))
        try:
            session.run(
                "python", "-m", "pip", "wheel", "--quiet", "--no-deps",
                "--wheel-dir", str(staging), str(dist.project),
            )  # fmt: skip
            wheels = list(staging.glob("*.whl"))
            if len(wheels) != 1:
                session.error(f"expected one wheel from {dist.project}, got {wheels}")
            with contextlib.suppress(OSError):  # another nox process may have won the race
                staging.rename(final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        for stale in WHEEL_CACHE.glob(f"{dist.name}-*"):
            if stale != final and not stale.name.startswith("."):
                shutil.rmtree(stale, ignore_errors=True)
    (wheel,) = final.glob("*.whl")
    session.log(f"wheel: {wheel.relative_to(ROOT)}")
    return wheel


def install_wheels(session: nox.Session, wheels: Sequence[str], *requirements: str) -> None:
    """Install wheels (with extras, e.g. 'x.whl[mysql]') and requirements; then force the
    wheel files themselves over any same-version copy left in a reused virtualenv."""
    session.install(*wheels, *requirements)
    files = [w.split("[", 1)[0] for w in wheels]
    session.install("--force-reinstall", "--no-deps", *files)


# --------------------------------------------------------------------------- pytest

# Loaded into every pytest run by nox (-p vinyl_installed_check): fails the run if the package
# under test was imported from anywhere but the virtualenv's site-packages (the source tree).
_INSTALLED_CHECK_PLUGIN = '''\
"""Proves the tests import the installed wheel, never the source tree."""
import importlib.metadata
import importlib.util
import os
import sys
import sysconfig
from pathlib import Path

import pytest

NAME = os.environ["VINYL_EXPECT_PACKAGE"]


def _where(path):
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    where = Path(path).resolve()
    if not where.is_relative_to(site):
        raise pytest.UsageError(
            f"{NAME} was imported from {where}, not from the installed wheel in {site}"
        )
    return where


def pytest_report_header(config):
    spec = importlib.util.find_spec(NAME)  # locates without importing
    if spec is None or spec.origin is None:
        raise pytest.UsageError(f"{NAME} is not installed in {sys.prefix}")
    version = importlib.metadata.version(NAME)
    return f"{NAME} {version} (installed wheel): {_where(spec.origin)}"


def pytest_collection_finish(session):
    module = sys.modules.get(NAME)
    if module is not None:  # conftests and test modules have run by now
        if module.__file__ is None:  # a namespace package: some directory named NAME
            raise pytest.UsageError(f"{NAME} is a namespace package from {module.__path__}")
        _where(module.__file__)
'''


def _plugin_dir(session: nox.Session) -> str:
    directory = Path(session.create_tmp()) / "pytest-plugins"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vinyl_installed_check.py").write_text(_INSTALLED_CHECK_PLUGIN)
    return str(directory)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")


def database_env(backend: str | None = None) -> dict[str, str]:
    env = {key: os.environ.get(key) or url for key, url in DEFAULT_DATABASE_URLS.items()}
    if IN_CI:
        # CI owns its database servers: the reliability suite may restart them.
        env["VINYL_RESTART_TESTS"] = os.environ.get("VINYL_RESTART_TESTS", "1")
    if backend:
        env["VINYL_TEST_BACKEND"] = backend
    return env


def run_pytest(
    session: nox.Session,
    dist: Distribution,
    backend: str,
    args: Sequence[str],
    *,
    report: str,
    pytest_exe: str = "pytest",
    external: bool = False,
) -> Path:
    """Run *dist*'s suite from the repository root against the installed package.

    PYTHONPATH is replaced (not extended) by the plugin directory, so nothing in the
    environment can put src/ on sys.path. Exit code 5 (no tests collected) fails the session.
    """
    REPORTS.mkdir(parents=True, exist_ok=True)
    junit = REPORTS / f"{_slug(report)}.xml"
    junit.unlink(missing_ok=True)
    env = {
        **database_env(backend),
        "PYTHONPATH": _plugin_dir(session),
        "VINYL_EXPECT_PACKAGE": dist.name,
    }
    with session.chdir(ROOT):
        session.run(
            pytest_exe,
            str(dist.tests.relative_to(ROOT)),
            "-p", "no:cacheprovider",
            "-p", "vinyl_installed_check",
            f"--junitxml={junit}",
            *args,
            env=env,
            external=external,
        )  # fmt: skip
    return junit


def junit_counts(path: Path) -> dict[str, int]:
    counts = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    root = ET.parse(path).getroot()
    for suite in root.iter("testsuite"):
        for key in counts:
            counts[key] += int(suite.get(key, 0))
    counts["passed"] = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    return counts


# --------------------------------------------------------------------------- sessions: codegen


class Refused(Exception):
    """A release step declined to go on; the message says why and what to do."""


def _session_python(session: nox.Session) -> str:
    return str(Path(session.bin) / "python")


def require_current_codegen(session: nox.Session, root: Path = ROOT) -> None:
    """`python -m codegen --check` in *root*; raises Refused unless build/ and tests/sync_
    are exactly what the source generates."""
    session.log(f"python -m codegen --check  (in {root})")
    result = subprocess.run([_session_python(session), "-m", "codegen", "--check"], cwd=root)
    if result.returncode == 1:
        raise Refused(
            "the generated twin is stale or hand-edited (diff above): "
            "run `nox -s codegen` and commit the result"
        )
    if result.returncode != 0:
        raise Refused(f"`python -m codegen --check` could not run (exit {result.returncode})")


@nox.session(python=TOOLS_PYTHON)
def codegen(session: nox.Session) -> None:
    """Regenerate build/vinyl_sync and tests/sync_ from src/vinyl_async and tests/async_."""
    session.install(*group("codegen"))
    session.run("python", "-m", "codegen", *session.posargs)


@nox.session
@nox.parametrize(
    "python", [python_for(v) for v in ("3.11", "3.12", "3.13")], ids=["3.11", "3.12", "3.13"]
)
def codegen_check(session: nox.Session) -> None:
    """Fail (with a diff) if anything generated differs from what the source generates.

    Runs on every supported Python: the output must be byte-identical on all of them."""
    session.install(*group("codegen"))
    session.run("python", "-m", "codegen", "--check", *session.posargs)


@nox.session(python=TOOLS_PYTHON)
def codegen_tests(session: nox.Session) -> None:
    """Golden tests of the transformer (tests/codegen)."""
    session.install(*group("codegen", "test-sync"))
    REPORTS.mkdir(parents=True, exist_ok=True)
    # `python -m pytest` puts the repository root on sys.path: these tests import `codegen`.
    session.run(
        "python", "-m", "pytest", "tests/codegen", "-p", "no:cacheprovider",
        f"--junitxml={REPORTS / 'codegen-tests.xml'}", *session.posargs,
    )  # fmt: skip


def _lint_paths() -> list[str]:
    candidates = [
        "src",
        "codegen",
        "tests/async_",
        "tests/codegen",
        "benchmarks",
        "examples",
        "conformance",
    ]
    return [p for p in candidates if (ROOT / p).exists()] + ["noxfile.py"]


@nox.session(python=TOOLS_PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check + ruff format --check on hand-written code (`-- --fix` to fix instead)."""
    session.install(*(r for r in group("codegen") if r.startswith("ruff")))
    paths = _lint_paths()
    if "--fix" in session.posargs:
        session.run("ruff", "check", "--fix", *paths)
        session.run("ruff", "format", *paths)
    else:
        session.run("ruff", "check", *paths)
        session.run("ruff", "format", "--check", "--diff", *paths)


# --------------------------------------------------------------------------- sessions: tests


@nox.session
@nox.parametrize(
    "python,django",
    [(python_for(py), dj) for dj, py in DJANGO_MATRIX],
    ids=[f"django-{dj}" for dj, _ in DJANGO_MATRIX],
)
@nox.parametrize("backend", BACKENDS, ids=list(BACKENDS))
@nox.parametrize("flavor", FLAVORS, ids=list(FLAVORS))
def tests(session: nox.Session, flavor: str, backend: str, django: str) -> None:
    """The suite of one flavor on one backend and Django series, against the built wheel."""
    dist = DISTRIBUTIONS[flavor]
    wheel = build_wheel(session, dist)
    install_wheels(
        session,
        [f"{wheel}[postgresql,mysql]"],
        f"django~={django}.0",
        *group("test" if flavor == "async" else "test-sync"),
    )
    run_pytest(session, dist, backend, session.posargs, report=session.name)


@nox.session
@nox.parametrize(
    "python,django",
    [(python_for(py), dj) for dj, py in DJANGO_MATRIX],
    ids=[f"django-{dj}" for dj, _ in DJANGO_MATRIX],
)
def conformance(session: nox.Session, django: str) -> None:
    """Django's own test modules run against the vinyl_sync wheel (conformance/run.py).

    Downloads the installed Django's sdist once (cached under .nox/_django_tests), runs the
    modules on SQLite and PostgreSQL with Django's runner and fails on any result that
    conformance/expectations.toml does not expect. Options after -- go to run.py, e.g.
    ``nox -s "conformance(django-5.2)" -- --backends sqlite --modules basic,lookup``.
    """
    wheel = build_wheel(session, DISTRIBUTIONS["sync"])
    # tblib: Django's parallel runner pickles tracebacks of failures with it.
    install_wheels(session, [f"{wheel}[postgresql]"], f"django~={django}.0", "tblib>=3")
    with session.chdir(ROOT):
        session.run(
            "python", str(ROOT / "conformance" / "run.py"),
            "--cache", str(ROOT / ".nox" / "_django_tests"),
            *session.posargs,
            env={**database_env(), "PYTHONPATH": None, "DJANGO_SETTINGS_MODULE": None},
        )  # fmt: skip


# --------------------------------------------------------------------------- sessions: build


def _metadata(wheel: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(zf.read(name).decode())
    fields: dict[str, list[str]] = {}
    for key, value in message.items():
        fields.setdefault(key, []).append(value)
    return fields


def _requirement_name(requirement: str) -> str:
    name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", name.group(1)).lower() if name else requirement


def verify_artifacts(session: nox.Session, artifacts: list[Path], version: str) -> None:
    """Four artifacts, one version, sensible contents, no async/dev dependency in vinyl_sync."""
    names = sorted(a.name for a in artifacts)
    expected = sorted(
        f"{d.name}-{version}{suffix}"
        for d in DISTRIBUTIONS.values()
        for suffix in ("-py3-none-any.whl", ".tar.gz")
    )
    if names != expected:
        session.error(f"dist/ holds {names}, expected {expected}")
    problems: list[str] = []
    metadata = {}
    for dist in DISTRIBUTIONS.values():
        wheel = DIST_DIR / f"{dist.name}-{version}-py3-none-any.whl"
        sdist = DIST_DIR / f"{dist.name}-{version}.tar.gz"
        meta = metadata[dist.name] = _metadata(wheel)
        with zipfile.ZipFile(wheel) as zf:
            members = zf.namelist()
        allowed = (f"{dist.name}/", f"{dist.name}-{version}.dist-info/")
        problems += [f"{wheel.name}: unexpected {m}" for m in members if not m.startswith(allowed)]
        problems += [
            f"{wheel.name}: {m}" for m in members if "__pycache__" in m or m.endswith(".pyc")
        ]
        if f"{dist.name}/py.typed" not in members:
            problems.append(f"{wheel.name}: no py.typed")
        if not any("/licenses/" in m for m in members):
            problems.append(f"{wheel.name}: no license file")
        with tarfile.open(sdist) as tf:
            top = f"{dist.name}-{version}/"
            for member in tf.getnames():
                rel = member.removeprefix(top)
                first = rel.split("/", 1)[0]
                ok = first in (
                    "pyproject.toml",
                    "PKG-INFO",
                    ".gitignore",
                    "src",
                ) or first.startswith(("README", "LICENSE", "CHANGELOG"))
                if not ok or "__pycache__" in rel or rel.endswith(".pyc"):
                    problems.append(f"{sdist.name}: unexpected {member}")
    with zipfile.ZipFile(DIST_DIR / f"vinyl_sync-{version}-py3-none-any.whl") as zf:
        for member in (m for m in zf.namelist() if m.endswith(".py")):
            for number, line in enumerate(zf.read(member).decode().splitlines(), 1):
                if ASYNC_LEFTOVER.search(line):
                    problems.append(f"vinyl_sync wheel {member}:{number}: {line.strip()}")
    sync_requires = {_requirement_name(r) for r in metadata["vinyl_sync"].get("Requires-Dist", [])}
    problems += [f"vinyl_sync depends on {n}" for n in NOT_IN_SYNC if n in sync_requires]
    async_requires = {
        _requirement_name(r) for r in metadata["vinyl_async"].get("Requires-Dist", [])
    }
    problems += [
        f"vinyl_async depends on {n}" for n in ("pymysql", "libcst") if n in async_requires
    ]
    for field in ("Version", "Requires-Python", "License-Expression"):
        values = {name: m.get(field) for name, m in metadata.items()}
        if len({str(v) for v in values.values()}) != 1:
            problems.append(f"{field} differs: {values}")
    if problems:
        session.error("artifact check failed:\n  " + "\n  ".join(problems))
    for name, meta in metadata.items():
        session.log(f"{name} {version} requires: {'; '.join(meta.get('Requires-Dist', []))}")


def verify_sync_standalone(session: nox.Session, version: str, python: str) -> None:
    """The vinyl_sync sdist builds a wheel on its own (no libcst, no codegen, no repo), and
    that wheel imports in a fresh virtualenv that has neither libcst nor the async drivers."""
    sdist = DIST_DIR / f"vinyl_sync-{version}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="vinyl-sync-sdist-") as tmp:
        work = Path(tmp)
        with tarfile.open(sdist) as tf:
            tf.extractall(work / "src", filter="data")
        project = work / "src" / f"vinyl_sync-{version}"
        # Build isolation: the build env holds only build-system.requires.
        session.run(
            "python", "-m", "build", "--wheel", "--outdir", str(work / "wheel"), str(project),
            silent=True,
        )  # fmt: skip
        (rebuilt,) = (work / "wheel").glob("*.whl")
        original = DIST_DIR / rebuilt.name
        with zipfile.ZipFile(rebuilt) as a, zipfile.ZipFile(original) as b:
            if sorted(a.namelist()) != sorted(b.namelist()):
                session.error(f"a wheel built from {sdist.name} differs from {original.name}")
        session.log(f"{sdist.name} builds stand-alone: {rebuilt.name} has the same files")
        venv = work / "venv"
        session.run(python, "-m", "venv", str(venv), external=True)
        vpython = str(venv / "bin" / "python")
        session.run(vpython, "-m", "pip", "install", "--quiet", str(original), external=True)
        probe = work / "probe.py"
        probe.write_text(_SYNC_IMPORT_PROBE)
        session.run(
            vpython, str(probe), *(n.replace("-", "_") for n in NOT_IN_SYNC), external=True
        )


_SYNC_IMPORT_PROBE = """\
import importlib.util
import sys

import vinyl_sync

present = [name for name in sys.argv[1:] if importlib.util.find_spec(name)]
assert not present, f"installed next to vinyl_sync: {present}"
print("import vinyl_sync: OK,", vinyl_sync.__file__, "- none of", ", ".join(sys.argv[1:]))
"""


def build_all(session: nox.Session, *, codegen_checked: bool = False) -> list[Path]:
    """codegen --check, then sdist + wheel of both distributions into dist/, then checks."""
    if not codegen_checked:
        require_current_codegen(session)
    version = version_from_source()
    shutil.rmtree(DIST_DIR, ignore_errors=True)
    for dist in DISTRIBUTIONS.values():
        session.run("python", "-m", "build", "--outdir", str(DIST_DIR), str(dist.project))
    artifacts = sorted(DIST_DIR.iterdir())
    session.run("python", "-m", "twine", "check", "--strict", *map(str, artifacts))
    verify_artifacts(session, artifacts, version)
    verify_sync_standalone(session, version, _session_python(session))
    session.log("built:\n  " + "\n  ".join(str(a.relative_to(ROOT)) for a in artifacts))
    return artifacts


@nox.session(python=TOOLS_PYTHON)
def build(session: nox.Session) -> None:
    """sdist + wheel of vinyl_async and vinyl_sync into dist/ (refuses a stale twin)."""
    session.install(*group("codegen", "release"))
    try:
        build_all(session)
    except Refused as refusal:
        session.error(f"refusing to build: {refusal}")


# --------------------------------------------------------------------------- sessions: publish


def simple_index_for(repository_url: str) -> str:
    """The PEP 503 index that an upload URL publishes to.

    Upload endpoints of the warehouse kind are https://upload.<host>/legacy/ (simple index at
    https://<host>/simple/); pypiserver takes uploads at its root and serves /simple/.
    """
    parts = urllib.parse.urlsplit(repository_url)
    path = parts.path.rstrip("/")
    host = parts.netloc
    if path.endswith("/legacy"):
        path = path.removesuffix("/legacy")
        host = host.removeprefix("upload.")
    return urllib.parse.urlunsplit((parts.scheme, host, f"{path}/simple/", "", ""))


def files_on_index(simple_url: str, project: str) -> list[str]:
    """File names listed for *project* on a PEP 503 simple index ([] if it has none)."""
    url = f"{simple_url.rstrip('/')}/{project}/"
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            page = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return []
        raise Refused(f"cannot read {url}: HTTP {error.code}") from error
    except (urllib.error.URLError, OSError) as error:
        raise Refused(f"cannot read {url}: {error}") from error
    hrefs = re.findall(r"""href\s*=\s*["']([^"']+)["']""", page)
    return [urllib.parse.unquote(h.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]) for h in hrefs]


def _is_release_file(filename: str, name: str, version: str) -> bool:
    normalized = re.sub(r"[-_.]+", "_", name).lower()
    stem = re.sub(r"[-_.]+", "_", filename.split(f"-{version}", 1)[0]).lower()
    rest = filename.split(f"-{version}", 1)[1] if f"-{version}" in filename else None
    return stem == normalized and rest is not None and (rest == ".tar.gz" or rest.startswith("-"))


def publish_release(
    session: nox.Session,
    repository_url: str,
    *,
    root: Path = ROOT,
    skip_existing: bool = False,
    simple_url: str | None = None,
    allow_dirty: bool = False,
) -> list[Path]:
    """Refuse unless the tree is committed, the twin current and the version new; then build
    and upload all four artifacts with twine. Raises Refused with the reason."""
    simple_url = simple_url or simple_index_for(repository_url)
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True
    )
    if status.returncode != 0:
        raise Refused(f"{root} is not a git work tree: {status.stderr.strip()}")
    if status.stdout.strip():
        changed = [line.strip() for line in status.stdout.splitlines()]
        listing = ", ".join(changed[:10]) + (
            f" and {len(changed) - 10} more" if len(changed) > 10 else ""
        )
        message = f"the work tree is dirty (commit or stash first): {listing}"
        if not allow_dirty:
            raise Refused(message)
        session.warn(f"publishing anyway (rehearsal outside CI): {message}")
    require_current_codegen(session, root)
    version = version_from_source(root)
    present = {
        dist.name: [f for f in files_on_index(simple_url, dist.project_name)
                    if _is_release_file(f, dist.name, version)]
        for dist in DISTRIBUTIONS.values()
    }  # fmt: skip
    found = [f for files in present.values() for f in files]
    if found and (not skip_existing or len(found) >= 2 * len(DISTRIBUTIONS)):
        raise Refused(
            f"version {version} is already on {simple_url} ({', '.join(sorted(found))}); "
            "an index never accepts the same file twice: bump __version__ in "
            "src/vinyl_async/__about__.py (and regenerate) to release again"
        )
    if root != ROOT:
        raise Refused(f"building is only done from {ROOT}")
    if not os.environ.get("TWINE_PASSWORD"):
        raise Refused(
            "no credentials: set TWINE_USERNAME and TWINE_PASSWORD "
            "(for an API token, TWINE_USERNAME=__token__)"
        )
    artifacts = build_all(session, codegen_checked=True)
    # --skip-existing is done here, from the index listing: twine supports it only for some
    # index implementations (it rejects it for pypiserver, for one).
    pending = [a for a in artifacts if a.name not in found]
    if len(pending) < len(artifacts):
        session.log(f"already on the index, not uploaded again: {', '.join(sorted(found))}")
    upload = ["python", "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar"]
    upload += ["--repository-url", repository_url]
    session.run(*upload, *map(str, pending))
    listed = {
        dist.name: files_on_index(simple_url, dist.project_name) for dist in DISTRIBUTIONS.values()
    }
    missing = [a.name for a in artifacts if a.name not in listed[a.name.split("-", 1)[0]]]
    if missing:
        message = f"uploaded, but {simple_url} does not list {missing}"
        if urllib.parse.urlsplit(simple_url).hostname in ("127.0.0.1", "localhost", "::1"):
            session.error(message)
        session.warn(f"{message} yet (a public index may take a while to show new files)")
    session.log(f"published {version} to {repository_url}: {', '.join(a.name for a in pending)}")
    return artifacts


def _publish_args(posargs: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nox -s publish --", add_help=True)
    parser.add_argument("--repository-url", required=True, help="twine upload URL")
    parser.add_argument(
        "--skip-existing",
        action="store_true",
        help="finish a partly uploaded release (still refused if every file is already there)",
    )
    parser.add_argument(
        "--index-url", help="simple index to check for the version (derived from the upload URL)"
    )
    return parser.parse_args(list(posargs))


@nox.session(python=TOOLS_PYTHON)
def publish(session: nox.Session) -> None:
    """Upload both distributions: nox -s publish -- --repository-url URL [--skip-existing].

    Credentials come from TWINE_USERNAME / TWINE_PASSWORD. Refuses on a dirty tree, a stale
    twin or a version that the index already has."""
    args = _publish_args(session.posargs)
    session.install(*group("codegen", "release"))
    try:
        publish_release(
            session,
            args.repository_url,
            skip_existing=args.skip_existing,
            simple_url=args.index_url,
        )
    except Refused as refusal:
        session.error(f"refusing to publish: {refusal}")


# --------------------------------------------------------------------------- release_check


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def local_index(session: nox.Session, workdir: Path) -> Iterator[tuple[str, str, str]]:
    """A throwaway pypiserver on 127.0.0.1 (uploads need a password). Yields (url, user,
    password) and always stops the server."""
    packages = workdir / "packages"
    packages.mkdir()
    htpasswd = workdir / "htpasswd"
    user, password = "vinyl-release", secrets.token_urlsafe(18)
    session.run(
        "python", "-c",
        "import os, sys; from passlib.apache import HtpasswdFile; "
        "h = HtpasswdFile(sys.argv[1], new=True, default_scheme='apr_md5_crypt'); "
        "h.set_password(os.environ['HT_USER'], os.environ['HT_PASSWORD']); h.save()",
        str(htpasswd),
        env={"HT_USER": user, "HT_PASSWORD": password}, silent=True,
    )  # fmt: skip
    port = _free_loopback_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = workdir / "pypiserver.log"
    command = [
        str(Path(session.bin) / "pypi-server"), "run",
        "--host", "127.0.0.1", "--port", str(port),
        "--passwords", str(htpasswd), "--authenticate", "update",
        "--disable-fallback",  # never redirect a miss to a public index
        "--server", "wsgiref",
        str(packages),
    ]  # fmt: skip
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                session.error(f"pypiserver exited ({server.returncode}):\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}simple/", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                session.error(f"pypiserver did not answer on {url}:\n{log_path.read_text()}")
            time.sleep(0.2)
        session.log(f"pypiserver (pid {server.pid}) serves {packages} at {url}")
        yield url, user, password
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        session.log(f"pypiserver stopped (exit {server.returncode})")


@contextlib.contextmanager
def environ(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _pip_extra_indexes(session: nox.Session) -> list[str]:
    """extra-index-url as pip is configured here (env var, then install/global sections).

    A --extra-index-url on the command line replaces the configured value, so the configured
    ones are passed again next to the local index."""
    listing = session.run("python", "-m", "pip", "config", "list", silent=True) or ""
    values = dict(re.findall(r"^(\S+?)='(.*)'$", str(listing), re.M))
    for key in (":env:.extra-index-url", "install.extra-index-url", "global.extra-index-url"):
        if key in values:
            return values[key].split()
    return []


def expect_refusal(
    session: nox.Session, label: str, reason: str, attempt: Callable[[], object]
) -> None:
    """Run *attempt*; it must raise Refused with *reason* in its message."""
    try:
        attempt()
    except Refused as refusal:
        if reason not in str(refusal):
            session.error(f"{label}: refused, but for another reason: {refusal}")
        session.log(f"OK, {label} refused: {refusal}")
    else:
        session.error(f"{label}: publish was NOT refused")


def _rehearse_refusals(session: nox.Session, workdir: Path, url: str) -> None:
    """In a committed scratch copy of the tree: a stale twin and a dirty tree are refused."""
    scratch = workdir / "scratch"
    # What a commit would hold: tracked files plus untracked ones that are not git-ignored.
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if name.startswith(".venv") or not source.is_file():  # stray virtualenvs; deleted files
            continue
        (scratch / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, scratch / name)

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=release-check", "-c", "user.email=release-check@localhost",
             "-c", "commit.gpgsign=false", *args],
            cwd=scratch, check=True, capture_output=True,
        )  # fmt: skip

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "scratch copy")
    target = next(p for p in sorted((scratch / "build/vinyl_sync/src/vinyl_sync").rglob("*.py")))
    original = target.read_text()
    cases = [
        ("hand-edited twin", lambda: target.write_text(original + "# edited by hand\n"), "stale"),
        ("dirty tree", lambda: (scratch / "stray.txt").write_text("x\n"), "dirty"),
    ]
    for label, mutate, reason in cases:
        mutate()
        if reason == "stale":
            git("commit", "-q", "-am", label)  # committed, so only codegen --check can object
        expect_refusal(session, label, reason, lambda: publish_release(session, url, root=scratch))
        git("reset", "-q", "--hard", "HEAD~1" if reason == "stale" else "HEAD")
        git("clean", "-qfd")


def _check_upload_needs_password(session: nox.Session, url: str, user: str) -> None:
    """The throwaway index must reject an upload whose password is wrong."""
    wheel = build_wheel(session, DISTRIBUTIONS["async"])
    upload = [_session_python(session), "-m", "twine", "upload", "--non-interactive"]
    upload += ["--disable-progress-bar", "--repository-url", url, str(wheel)]
    wrong = {"TWINE_USERNAME": user, "TWINE_PASSWORD": f"wrong-{secrets.token_hex(8)}"}
    result = subprocess.run(upload, env={**os.environ, **wrong}, capture_output=True, text=True)
    listed = files_on_index(f"{url}simple/", DISTRIBUTIONS["async"].project_name)
    if result.returncode == 0 or listed:
        session.error(f"the local index accepted an upload with a wrong password: {listed}")
    last_line = (result.stdout + result.stderr).strip().splitlines()[-1:]
    session.log(f"OK, upload with a wrong password rejected: {' '.join(last_line).strip()}")


def _venv(session: nox.Session, path: Path, python: str) -> Path:
    session.run(python, "-m", "venv", str(path), external=True, silent=True)
    return path / "bin"


def _pip_install(
    session: nox.Session,
    bindir: Path,
    indexes: list[str],
    requirements: Sequence[str],
    report: Path,
) -> list[dict]:
    args = [str(bindir / "python"), "-m", "pip", "install", "--quiet", "--report", str(report)]
    for index in indexes:
        args += ["--extra-index-url", index]
    session.run(*args, *requirements, external=True)
    return json.loads(report.read_text())["install"]


def _installed(session: nox.Session, bindir: Path) -> dict[str, str]:
    out = session.run(
        str(bindir / "python"), "-m", "pip", "list", "--format=json", external=True, silent=True
    )
    return {_requirement_name(d["name"]): d["version"] for d in json.loads(str(out))}


def _install_from_index(
    session: nox.Session,
    dist: Distribution,
    version: str,
    bindir: Path,
    url: str,
    indexes: list[str],
    report: Path,
) -> dict[str, str]:
    """Install *dist* as a user would, from the local index, into a fresh virtualenv, checking
    what comes along at each step; then its test dependencies. Returns the package versions
    of the installed library (before the test tools)."""

    def install(*requirements: str) -> list[dict]:
        return _pip_install(session, bindir, indexes, requirements, report)

    plain = install(f"{dist.name}=={version}")
    names = {_requirement_name(item["metadata"]["name"]): item for item in plain}
    origin = names[dist.project_name]["download_info"]["url"]
    if not origin.startswith(url):
        session.error(f"{dist.name} came from {origin}, not from the local index {url}")
    drivers = sorted({"psycopg", "psycopg-pool", "aiomysql", "pymysql"} & names.keys())
    if drivers:
        session.error(f"plain `pip install {dist.name}` pulled database drivers: {drivers}")
    install(f"{dist.name}[postgresql,mysql]=={version}")
    installed = _installed(session, bindir)
    session.log(
        f"{dist.name}[postgresql,mysql]: "
        + ", ".join(f"{n}=={v}" for n, v in sorted(installed.items()))
    )
    if dist.name == "vinyl_sync":
        if leaked := [n for n in NOT_IN_SYNC if n in installed]:
            session.error(f"vinyl_sync[postgresql,mysql] installed {leaked}")
    elif "pymysql" in installed:
        requires = session.run(
            str(bindir / "python"), "-c",
            "import importlib.metadata as m; print(m.requires('aiomysql'))",
            external=True, silent=True,
        )  # fmt: skip
        if "pymysql" not in str(requires).lower():
            session.error("vinyl_async installed PyMySQL although aiomysql does not need it")
    install(*group("test" if dist.name == "vinyl_async" else "test-sync"))
    if dist.name == "vinyl_sync":
        if leaked := [n for n in NOT_IN_SYNC if n in _installed(session, bindir)]:
            session.error(f"the vinyl_sync test environment has {leaked}")
    return installed


@nox.session(python=TOOLS_PYTHON)
def release_check(session: nox.Session) -> None:
    """Publish to a throwaway local index, pip install both packages from it into fresh
    virtualenvs and run the suites against them: nox -s release_check [-- --backends a,b]."""
    parser = argparse.ArgumentParser(prog="nox -s release_check --")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--python", help="interpreter for the fresh virtualenvs")
    options, pytest_args = parser.parse_known_args(session.posargs)
    backends = [b for b in options.backends.split(",") if b]
    venv_python = options.python or first_python("3.13", "3.12", "3.11")
    if not Path(venv_python).is_absolute():
        venv_python = shutil.which(venv_python) or session.error(f"{venv_python} not found")
    session.install(*group("codegen", "release"), PYPISERVER)
    version = version_from_source()
    timings: list[tuple[str, float]] = []
    results: list[tuple[str, str, dict[str, int]]] = []
    environments: dict[str, dict[str, str]] = {}

    @contextlib.contextmanager
    def step(name: str) -> Iterator[None]:
        started = time.monotonic()
        session.log(f"--- {name}")
        yield
        timings.append((name, time.monotonic() - started))

    workdir = Path(tempfile.mkdtemp(prefix="vinyl-release-"))
    try:
        with local_index(session, workdir) as (url, user, password):
            simple = f"{url}simple/"
            with environ(TWINE_USERNAME=user, TWINE_PASSWORD=password):
                with step("upload with a wrong password"):
                    _check_upload_needs_password(session, url, user)
                with step("refusals: stale twin, dirty tree"):
                    _rehearse_refusals(session, workdir, url)
                with step("publish"):
                    try:
                        publish_release(session, url, allow_dirty=not IN_CI)
                    except Refused as refusal:
                        session.error(f"publish refused: {refusal}")
                with step("publish again"):
                    for skip in (False, True):
                        expect_refusal(
                            session, f"second publish (skip_existing={skip})", "already on",
                            lambda skip=skip: publish_release(
                                session, url, skip_existing=skip, allow_dirty=not IN_CI
                            ),
                        )  # fmt: skip
            indexes = [simple, *_pip_extra_indexes(session)]
            for flavor, dist in DISTRIBUTIONS.items():
                with step(f"pip install {dist.name} from the local index"):
                    bindir = _venv(session, workdir / f"venv-{flavor}", venv_python)
                    environments[dist.name] = _install_from_index(
                        session, dist, version, bindir, url, indexes, workdir / "pip-report.json"
                    )
                for backend in backends:
                    label = f"release-{flavor}-{backend}"
                    with step(f"{dist.name} suite on {backend}"):
                        junit = run_pytest(
                            session, dist, backend, pytest_args,
                            report=label, pytest_exe=str(bindir / "pytest"), external=True,
                        )  # fmt: skip
                    results.append((dist.name, backend, junit_counts(junit)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    session.log(f"release_check summary (fresh virtualenvs on {venv_python})")
    for name, installed in environments.items():
        session.log(f"  {name}: " + ", ".join(f"{n} {v}" for n, v in sorted(installed.items())))
    for name, backend, c in results:
        session.log(
            f"  {name:<12} {backend:<11} {c['tests']:>5} tests: {c['passed']} passed, "
            f"{c['failures']} failed, {c['errors']} errors, {c['skipped']} skipped"
        )
    for name, seconds in timings:
        session.log(f"  {seconds:7.1f}s  {name}")


# --------------------------------------------------------------------------- demo, bench


@nox.session(python=TOOLS_PYTHON)
def demo(session: nox.Session) -> None:
    """Both packages side by side on embedded SQLite: python examples/demo.py."""
    script = ROOT / "examples" / "demo.py"
    if not script.is_file():
        session.error("examples/demo.py does not exist yet")
    wheels = [str(build_wheel(session, d)) for d in DISTRIBUTIONS.values()]
    install_wheels(session, wheels)
    session.run("python", str(script), *session.posargs)


@nox.session(python=first_python("3.12", "3.13", "3.11"))
def bench(session: nox.Session) -> None:
    """vinyl vs Django vs raw psycopg on PostgreSQL: nox -s bench [-- --quick]."""
    if not (ROOT / "benchmarks" / "__main__.py").is_file():
        session.error("benchmarks/__main__.py does not exist yet")
    wheels = [f"{build_wheel(session, d)}[postgresql]" for d in DISTRIBUTIONS.values()]
    install_wheels(session, wheels, *group("bench"))
    with session.chdir(ROOT):  # `python -m benchmarks` imports the package from the root
        session.run("python", "-m", "benchmarks", *session.posargs)


# --------------------------------------------------------------------------- examples, docs

# What the examples need next to the wheels (Django comes with them; django-stubs follows
# Django's version, so both are left to the resolver).
EXAMPLES_REQUIREMENTS = (
    "starlette>=0.40",
    "uvicorn>=0.30",
    "httpx>=0.27",
    "mypy>=1.13",
    "django-stubs>=5.2",
)


@nox.session(python=first_python("3.12", "3.13", "3.11"))
def examples(session: nox.Session) -> None:
    """The examples against the built wheels: mypy --strict, HTTP tests on PostgreSQL, and
    examples/quickstart.py in a fresh virtualenv holding only the vinyl_async wheel."""
    wheels = {flavor: build_wheel(session, dist) for flavor, dist in DISTRIBUTIONS.items()}
    install_wheels(
        session,
        [f"{wheel}[postgresql]" for wheel in wheels.values()],
        *group("test-sync"),
        *EXAMPLES_REQUIREMENTS,
    )
    # The mypy plugin of django-stubs imports each project's settings (examples/mypy.ini,
    # examples/django_project/mypy.ini say which); nothing may leak in from the caller.
    env = {"DJANGO_SETTINGS_MODULE": None, "PYTHONPATH": None}
    for project in (ROOT / "examples", ROOT / "examples" / "django_project"):
        with session.chdir(project):
            session.run("mypy", env=env)
    REPORTS.mkdir(parents=True, exist_ok=True)
    junit = REPORTS / "examples.xml"
    with session.chdir(ROOT):
        session.run(
            "pytest", "examples", "-p", "no:cacheprovider", f"--junitxml={junit}",
            *session.posargs,
            env={**env, **database_env(), "VINYL_ASYNC_WHEEL": str(wheels["async"])},
        )  # fmt: skip


@nox.session(python=TOOLS_PYTHON)
def docs(session: nox.Session) -> None:
    """Regenerate docs/api.md from the docstrings of the built vinyl_async wheel.

    Fails if the committed file was stale (after rewriting it, so `git diff` shows why);
    in CI it only checks."""
    install_wheels(session, [str(build_wheel(session, DISTRIBUTIONS["async"]))])
    generator = str(ROOT / "docs" / "gen_api.py")
    session.log("python docs/gen_api.py --check")
    checked = subprocess.run([_session_python(session), generator, "--check"], cwd=ROOT)
    if checked.returncode == 0:
        return
    if checked.returncode != 1:
        session.error(f"docs/gen_api.py --check could not run (exit {checked.returncode})")
    if not IN_CI:
        session.run("python", generator)
    session.error("docs/api.md was stale: commit the regenerated file (`nox -s docs`)")
