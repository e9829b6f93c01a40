"""Which files codegen reads and writes, and how the generated tree is compared and written.

The generated side is computed completely in memory first (``expected_outputs``); only then
is it compared with what is on disk (``compare``) and, unless checking, written
(``apply``). So an error in any file leaves every file untouched.
"""

from __future__ import annotations

import difflib
import os
import string
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .formatting import check_ruff, format_code
from .transform import CodegenError, Problem, transform_module

HEADER = "# generated from {source} by codegen — do not edit\n"

DIST = "build/vinyl_sync"
"""The vinyl_sync distribution (pyproject.toml, README.md, LICENSE, src/)."""

TEMPLATES = {"pyproject.toml": "pyproject.toml.in", "README.md": "README.md.in"}
"""Files of ``DIST`` rendered from ``codegen/templates/`` (``string.Template`` syntax)."""

TEMPLATE_VALUES = {
    "repository": "https://github.com/vinyl-orm/vinyl",
}

_TEMPLATE_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Tree:
    """A hand-written async tree and the generated tree it maps to (repo-relative paths)."""

    source: str
    output: str
    package: str  # dotted name of ``source``, for relative imports and qualified names
    required: bool


TREES = (
    Tree("src/vinyl_async", f"{DIST}/src/vinyl_sync", "vinyl_async", required=True),
    Tree("tests/async_", "tests/sync_", "tests.async_", required=False),
)


# --------------------------------------------------------------------------------------
# Walking trees


def _ignored(name: str) -> bool:
    """Not part of a tree on either side: caches and hidden files."""
    return name.startswith(".") or name == "__pycache__" or name.endswith((".pyc", ".pyo"))


def tree_files(directory: Path) -> list[str]:
    """Files under ``directory`` as sorted POSIX paths relative to it."""
    if not directory.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if not _ignored(d))
        base = Path(dirpath).relative_to(directory)
        found.extend((base / f).as_posix() for f in filenames if not _ignored(f))
    return sorted(found)


def module_names(package: str, relative: str) -> tuple[str, str]:
    """(module, package) of a .py file; ``__init__.py`` is its own package."""
    parts = [*package.split("."), *PurePosixPath(relative).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


# --------------------------------------------------------------------------------------
# Generating


def generate_python(source: str, *, label: str, module: str, package: str) -> str:
    """Header + transformed module, formatted: the exact text of a generated .py file."""
    body = transform_module(source, path=label, module=module, package=package)
    code = HEADER.format(source=label) + ("\n" + body if body.strip() else "")
    return format_code(code, PurePosixPath(label).name)


def render_template(name: str) -> str:
    template = string.Template((_TEMPLATE_DIR / name).read_text(encoding="utf-8"))
    return template.substitute(TEMPLATE_VALUES)


@dataclass(frozen=True)
class _Job:
    """One .py file to generate (picklable: jobs run in worker processes)."""

    path: str
    label: str
    module: str
    package: str


def _run_job(job: _Job) -> bytes | list[Problem]:
    try:
        text = generate_python(
            Path(job.path).read_text(encoding="utf-8"),
            label=job.label,
            module=job.module,
            package=job.package,
        )
    except CodegenError as error:
        return error.problems
    return text.encode("utf-8")


def _run_jobs(jobs: list[_Job]) -> list[bytes | list[Problem]]:
    """Run jobs in parallel processes (libcst is pure Python: threads would not help)."""
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        return [_run_job(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_run_job, jobs))


def _generate_tree(root: Path, tree: Tree) -> tuple[dict[str, bytes], list[Problem]]:
    source_dir = root / tree.source
    if tree.required and not source_dir.is_dir():
        return {}, [Problem(tree.source, 0, "source package not found")]
    outputs: dict[str, bytes] = {}
    jobs: dict[str, _Job] = {}
    for relative in tree_files(source_dir):
        if relative.endswith(".py"):
            module, package = module_names(tree.package, relative)
            label = f"{tree.source}/{relative}"
            jobs[relative] = _Job(str(source_dir / relative), label, module, package)
        else:
            outputs[f"{tree.output}/{relative}"] = (source_dir / relative).read_bytes()
    problems: list[Problem] = []
    for relative, result in zip(jobs, _run_jobs(list(jobs.values())), strict=True):
        if isinstance(result, bytes):
            outputs[f"{tree.output}/{relative}"] = result
        else:
            problems.extend(result)
    return outputs, problems


def expected_outputs(root: Path) -> dict[str, bytes]:
    """Every generated file (repo-relative POSIX path → bytes). Raises ``CodegenError``."""
    check_ruff()
    outputs: dict[str, bytes] = {}
    problems: list[Problem] = []
    for tree in TREES:
        tree_outputs, tree_problems = _generate_tree(root, tree)
        outputs.update(tree_outputs)
        problems.extend(tree_problems)
    if problems:
        raise CodegenError(problems)
    for target, template in TEMPLATES.items():
        outputs[f"{DIST}/{target}"] = render_template(template).encode("utf-8")
    if (root / "LICENSE").is_file():
        outputs[f"{DIST}/LICENSE"] = (root / "LICENSE").read_bytes()
    return dict(sorted(outputs.items()))


def existing_outputs(root: Path) -> dict[str, bytes]:
    """What is on disk where codegen writes (so extra files are noticed too)."""
    found: dict[str, bytes] = {}
    for tree in TREES:
        for relative in tree_files(root / tree.output):
            found[f"{tree.output}/{relative}"] = (root / tree.output / relative).read_bytes()
    for name in [*TEMPLATES, "LICENSE"]:
        path = root / DIST / name
        if path.is_file():
            found[f"{DIST}/{name}"] = path.read_bytes()
    return dict(sorted(found.items()))


# --------------------------------------------------------------------------------------
# Comparing and writing


@dataclass(frozen=True)
class Change:
    """One generated file that differs: ``old`` None = missing, ``new`` None = stale extra."""

    path: str
    old: bytes | None
    new: bytes | None


def compare(expected: dict[str, bytes], existing: dict[str, bytes]) -> list[Change]:
    return [
        Change(path, existing.get(path), expected.get(path))
        for path in sorted(expected.keys() | existing.keys())
        if existing.get(path) != expected.get(path)
    ]


def _lines(data: bytes | None) -> list[str] | None:
    if data is None:
        return []
    try:
        return data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


def unified_diff(changes: Iterable[Change]) -> str:
    chunks = []
    for change in changes:
        old, new = _lines(change.old), _lines(change.new)
        before = f"a/{change.path}" if change.old is not None else "/dev/null"
        after = f"b/{change.path}" if change.new is not None else "/dev/null"
        if old is None or new is None:
            chunks.append(f"Binary files {before} and {after} differ\n")
            continue
        for line in difflib.unified_diff(old, new, before, after):
            chunks.append(
                line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            )
    return "".join(chunks)


def apply(root: Path, changes: Iterable[Change]) -> None:
    """Write new/changed files, delete stale ones, then prune emptied output directories."""
    for change in changes:
        path = root / change.path
        if change.new is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(change.new)
    for tree in TREES:
        _prune_empty_dirs(root / tree.output)


def _prune_empty_dirs(top: Path) -> None:
    if not top.is_dir():
        return
    for dirpath, _dirnames, _filenames in sorted(os.walk(top), reverse=True):
        path = Path(dirpath)
        if path != top and not any(path.iterdir()):
            path.rmdir()
