"""Golden tests of the async → sync transformer, its strict errors and its CLI.

Golden cases: ``cases/<name>_async.py`` is transformed as the file ``CASE_LOCATIONS`` names
(default ``src/vinyl_async/<name>.py``) and must give ``cases/<name>_sync.py`` byte for byte.
After a deliberate rule change, ``CODEGEN_UPDATE_GOLDEN=1 pytest tests/codegen`` rewrites the
expected files; review their diff like any other change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codegen import formatting
from codegen import names as N
from codegen.__main__ import main
from codegen.project import TREES, generate_python, module_names
from codegen.transform import CodegenError, transform_module

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "cases"
CASE_NAMES = sorted(p.name.removesuffix("_async.py") for p in CASES.glob("*_async.py"))
CASE_LOCATIONS = {
    "_compat": "src/vinyl_async/_compat.py",
    "pytest_marks": "tests/async_/test_marks.py",
    "pytestmark_single": "tests/async_/test_single.py",
}
UPDATE = os.environ.get("CODEGEN_UPDATE_GOLDEN") == "1"


def generate(source: str, label: str = "src/vinyl_async/sample.py") -> str:
    """Transform + format ``source`` as if it were the file ``label`` of the repository."""
    tree = next(t for t in TREES if label.startswith(t.source + "/"))
    module, package = module_names(tree.package, label[len(tree.source) + 1 :])
    return generate_python(source, label=label, module=module, package=package)


def transform(source: str, label: str = "src/vinyl_async/sample.py") -> str:
    """Only the transformation (no header, no ruff): for short, exact assertions."""
    tree = next(t for t in TREES if label.startswith(t.source + "/"))
    module, package = module_names(tree.package, label[len(tree.source) + 1 :])
    return transform_module(textwrap.dedent(source), path=label, module=module, package=package)


def errors(source: str, label: str = "src/vinyl_async/sample.py") -> list[str]:
    with pytest.raises(CodegenError) as info:
        transform(source, label)
    return [str(problem) for problem in info.value.problems]


# --------------------------------------------------------------------------------------
# Golden cases


@pytest.mark.parametrize("name", CASE_NAMES)
def test_golden(name: str) -> None:
    label = CASE_LOCATIONS.get(name, f"src/vinyl_async/{name}.py")
    actual = generate((CASES / f"{name}_async.py").read_text(encoding="utf-8"), label)
    expected_path = CASES / f"{name}_sync.py"
    if UPDATE:
        expected_path.write_text(actual, encoding="utf-8", newline="\n")
    assert actual == expected_path.read_text(encoding="utf-8")
    compile(actual, str(expected_path), "exec")


def test_every_case_has_an_expected_output() -> None:
    inputs = {p.name.removesuffix("_async.py") for p in CASES.glob("*_async.py")}
    outputs = {p.name.removesuffix("_sync.py") for p in CASES.glob("*_sync.py")}
    assert inputs == outputs
    assert set(CASE_LOCATIONS) <= inputs


def test_generated_output_is_a_fixed_point() -> None:
    """Transforming a sync output again changes nothing (``_compat``'s marker flips once)."""
    for name in CASE_NAMES:
        if name == "_compat":
            continue
        expected = (CASES / f"{name}_sync.py").read_text(encoding="utf-8")
        label = CASE_LOCATIONS.get(name, f"src/vinyl_async/{name}.py")
        body = expected.split("\n", 2)[2]
        again = generate(body, label)
        assert again == expected, name


def test_user_ruff_configuration_does_not_change_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (CASES / "names_async.py").read_text(encoding="utf-8")
    reference = generate(source)
    (tmp_path / "ruff.toml").write_text('line-length = 40\n[format]\nquote-style = "single"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUFF_LINE_LENGTH", "40")
    assert generate(source) == reference


def test_header_names_the_source() -> None:
    output = generate("x = 1\n", "tests/async_/sub/test_x.py")
    assert output == (
        "# generated from tests/async_/sub/test_x.py by codegen — do not edit\n\nx = 1\n"
    )
    assert generate("", "src/vinyl_async/empty.py") == (
        "# generated from src/vinyl_async/empty.py by codegen — do not edit\n"
    )


# --------------------------------------------------------------------------------------
# Rules checked without a golden file


def test_vinyl_methods_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(N, "VINYL_METHODS", {"aclose": "close"})
    output = transform(
        """
        class Pool:
            async def aclose(self):
                await self.conn.aclose()
        """
    )
    assert "def close(self):" in output
    assert "self.conn.close()" in output


def test_no_guessing_by_prefix() -> None:
    output = transform(
        """
        async def acount(pool):
            await pool.acount()
            return pool.asave, anext_page
        """
    )
    assert "def acount(pool):" in output
    assert "pool.acount()" in output
    assert "pool.asave, anext_page" in output


def test_names_table_targets_are_sync() -> None:
    for key, value in N.NAMES.items():
        for part in value.split("."):
            assert part not in N.LEFTOVER_NAMES, (key, value)
        assert "Async" not in value, (key, value)
    assert set(N.STRING_WORDS) <= set(N.NAMES)


def test_unused_async_import_is_dropped_and_needed_import_added() -> None:
    output = transform(
        """
        import asyncio
        import aiosqlite


        async def nap():
            await asyncio.sleep(1)
        """
    )
    assert output == (
        "\nimport sqlite3\nimport time\n\n\ndef nap():\n    time.sleep(1)\n"
    )  # sqlite3 stays: nothing referenced it, it may be imported for a side effect


def test_unreferenced_sync_imports_are_kept() -> None:
    """Never referenced in the source: maybe a re-export or a side effect, so left alone."""
    source = "from .query import QuerySet\nimport vinyl_async.backends.sqlite3\n"
    assert transform(source) == (
        "from .query import QuerySet\nimport vinyl_sync.backends.sqlite3\n"
    )


# --------------------------------------------------------------------------------------
# Strict errors


def test_leftover_names_the_source_file_and_line() -> None:
    problems = errors(
        """
        async def run(other):
            x = 1
            await other.AsyncThing().run()
        """
    )
    assert problems == [
        "src/vinyl_async/sample.py:4: `AsyncThing` has no sync mapping "
        "(add it to codegen/names.py, or keep it behind IS_ASYNC / @async_only)"
    ]


def test_line_numbers_survive_removed_branches() -> None:
    problems = errors(
        """
        from ._compat import IS_ASYNC

        if IS_ASYNC:
            import asyncio

            x = 1
            y = 2
        else:
            z = 3


        async def run():
            await asyncio.gather()
        """,
    )
    assert len(problems) == 1
    assert problems[0].startswith("src/vinyl_async/sample.py:14: `asyncio` left")


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("import asyncio\nasyncio.gather()\n", 2, "`asyncio` left in the sync output"),
        ("from asyncio import gather\ngather()\n", 1, "`asyncio` left in the sync output"),
        ("import aiosqlite.foo\nx = aiosqlite.foo.AsyncBar\n", 2, "`AsyncBar` has no sync"),
        ("def f(x: 'AsyncThing') -> None: ...\n", 1, "`AsyncThing` has no sync mapping"),
        ("class AsyncPool:\n    pass\n", 1, "`AsyncPool` has no sync mapping"),
        ("import pytest\nP = pytest.param(1, marks=pytest.mark.asyncio)\n", 2, "`asyncio` left"),
        ("import pytest_asyncio\npytest_asyncio.is_async_test\n", 2, "`pytest_asyncio` left"),
        ("from asgiref.sync import sync_to_async\nf = sync_to_async(len)\n", 2, "`sync_to_"),
        ("from typing import Awaitable\nisinstance(1, Awaitable)\n", 2, "`Awaitable` without"),
        ("from typing import Awaitable\nx: Awaitable[int, int]\n", 2, "cannot unwrap"),
        ("from typing import Coroutine\nx: Coroutine[int]\n", 2, "cannot unwrap"),
        (
            "from datetime import time\nimport asyncio\nasyncio.sleep(1)\n",
            3,
            "the sync code needs module `time`, but `time` names something else",
        ),
        (
            "from ._compat import IS_ASYNC\nflag = IS_ASYNC\n",
            2,
            "unsupported use of IS_ASYNC",
        ),
        (
            "from ._compat import IS_ASYNC\nif IS_ASYNC and flag:\n    pass\n",
            2,
            "unsupported use of IS_ASYNC",
        ),
        (
            "from vinyl_async._compat import async_only\nf = async_only(len)\n",
            2,
            "async_only must be used as a decorator",
        ),
        (
            "try:\n    from asyncio import Lock\nexcept ImportError:\n"
            "    from threading import Lock\nx = Lock()\n",
            5,
            "`Lock` is imported from several places",
        ),
    ],
)
def test_errors(source: str, line: int, message: str) -> None:
    problems = errors(source)
    assert any(p.startswith(f"src/vinyl_async/sample.py:{line}: {message}") for p in problems), (
        problems
    )


def test_is_async_must_be_defined_true_in_compat() -> None:
    problems = errors("IS_ASYNC = 1\n", "src/vinyl_async/_compat.py")
    assert problems == [
        "src/vinyl_async/_compat.py:1: IS_ASYNC must be defined as `IS_ASYNC = True`"
    ]


def test_all_problems_are_reported_in_line_order() -> None:
    problems = errors(
        """
        import asyncio
        from psycopg import AsyncFuture


        async def run():
            await asyncio.gather(AsyncFuture())
        """
    )
    assert [p.split(": ")[0] for p in problems] == [
        "src/vinyl_async/sample.py:2",
        "src/vinyl_async/sample.py:3",
        "src/vinyl_async/sample.py:7",
        "src/vinyl_async/sample.py:7",
    ]


def test_syntax_error_is_a_codegen_error() -> None:
    (problem,) = errors("x = 1\ndef broken(:\n    pass\n")
    assert problem.startswith("src/vinyl_async/sample.py:")
    assert ": syntax error" in problem


# --------------------------------------------------------------------------------------
# The command line, on a miniature repository


MINI_SOURCES = {
    "src/vinyl_async/__init__.py": '"""vinyl_async."""\n\nfrom .sub.mod import fetch\n',
    "src/vinyl_async/__about__.py": '__version__ = "1.2.3"\n',
    "src/vinyl_async/py.typed": "",
    "src/vinyl_async/sub/__init__.py": "",
    "src/vinyl_async/sub/mod.py": (
        "import asyncio\n\n\nasync def fetch(qs):\n    await asyncio.sleep(0)\n"
        "    return await qs\n"
    ),
    "tests/async_/test_mod.py": (
        "import pytest\n\nfrom vinyl_async import fetch\n\n\n@pytest.mark.asyncio\n"
        "async def test_fetch():\n    assert await fetch([]) is not None\n"
    ),
    "LICENSE": "MIT License\n",
}
SYNC_MOD = "build/vinyl_sync/src/vinyl_sync/sub/mod.py"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A repository with a few sources, and a copy of codegen (for the subprocess test)."""
    shutil.copytree(
        ROOT / "codegen", tmp_path / "codegen", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(CASES / "_compat_async.py", tmp_path / "_compat.py")
    for relative, text in MINI_SOURCES.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "_compat.py").rename(tmp_path / "src/vinyl_async/_compat.py")
    return tmp_path


def generated_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for top in ("build", "tests/sync_")
        if (root / top).exists()
        for p in (root / top).rglob("*")
        if p.is_file()
    )


def test_check_reports_missing_files(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check"], root=mini) == 1
    out = capsys.readouterr().out
    assert f"--- /dev/null\n+++ b/{SYNC_MOD}\n" in out
    assert generated_files(mini) == []


def test_regenerate_then_check_is_clean(mini: Path) -> None:
    assert main([], root=mini) == 0
    assert generated_files(mini) == [
        "build/vinyl_sync/LICENSE",
        "build/vinyl_sync/README.md",
        "build/vinyl_sync/pyproject.toml",
        "build/vinyl_sync/src/vinyl_sync/__about__.py",
        "build/vinyl_sync/src/vinyl_sync/__init__.py",
        "build/vinyl_sync/src/vinyl_sync/_compat.py",
        "build/vinyl_sync/src/vinyl_sync/py.typed",
        "build/vinyl_sync/src/vinyl_sync/sub/__init__.py",
        "build/vinyl_sync/src/vinyl_sync/sub/mod.py",
        "tests/sync_/test_mod.py",
    ]
    assert (mini / SYNC_MOD).read_text(encoding="utf-8") == (
        "# generated from src/vinyl_async/sub/mod.py by codegen — do not edit\n\n"
        "import time\n\n\ndef fetch(qs):\n    time.sleep(0)\n    return qs\n"
    )
    assert (
        (mini / "tests/sync_/test_mod.py")
        .read_text(encoding="utf-8")
        .endswith(
            "from vinyl_sync import fetch\n\n\ndef test_fetch():\n    assert fetch([]) is not None\n"
        )
    )
    assert (mini / "build/vinyl_sync/LICENSE").read_bytes() == b"MIT License\n"
    assert main(["--check"], root=mini) == 0


def test_generated_pyproject_has_sync_metadata(mini: Path) -> None:
    import tomllib

    main([], root=mini)
    meta = tomllib.loads((mini / "build/vinyl_sync/pyproject.toml").read_text("utf-8"))
    project = meta["project"]
    assert project["name"] == "vinyl_sync"
    assert project["dynamic"] == ["version"]
    assert project["requires-python"] == ">=3.11"
    assert project["dependencies"] == ["django>=5.2,<6.2"]
    assert project["optional-dependencies"] == {
        "postgresql": ["psycopg[pool]>=3.2"],
        "mysql": ["PyMySQL>=1.1"],
    }
    assert meta["tool"]["hatch"]["version"]["path"] == "src/vinyl_sync/__about__.py"
    text = repr(meta).lower()  # the data, not the explanatory comments
    for banned in ("aiosqlite", "aiomysql", "libcst", "pytest-asyncio", "pytest_asyncio"):
        assert banned not in text


def test_hand_edit_is_detected_and_undone(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main([], root=mini)
    path = mini / SYNC_MOD
    path.write_text(path.read_text("utf-8").replace("return qs", "return qs  # tweak"), "utf-8")
    capsys.readouterr()
    assert main(["--check"], root=mini) == 1
    out = capsys.readouterr().out
    assert f"--- a/{SYNC_MOD}\n+++ b/{SYNC_MOD}\n" in out
    assert "-    return qs  # tweak\n+    return qs\n" in out
    assert main([], root=mini) == 0
    assert main(["--check"], root=mini) == 0


def test_removed_source_is_deleted(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main([], root=mini)
    shutil.rmtree(mini / "src/vinyl_async/sub")
    (mini / "src/vinyl_async/__init__.py").write_text('"""vinyl_async."""\n', "utf-8")
    capsys.readouterr()
    assert main(["--check"], root=mini) == 1
    assert f"--- a/{SYNC_MOD}\n+++ /dev/null\n" in capsys.readouterr().out
    assert main([], root=mini) == 0
    assert not (mini / "build/vinyl_sync/src/vinyl_sync/sub").exists()
    assert main(["--check"], root=mini) == 0


def test_extra_generated_file_is_reported(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main([], root=mini)
    (mini / "tests/sync_/test_stray.py").write_text("x = 1\n", "utf-8")
    (mini / "tests/sync_/__pycache__").mkdir()
    (mini / "tests/sync_/__pycache__/test_mod.cpython-311.pyc").write_bytes(b"\0")
    capsys.readouterr()
    assert main(["--check"], root=mini) == 1
    assert "+++ /dev/null" in capsys.readouterr().out
    assert main([], root=mini) == 0
    assert not (mini / "tests/sync_/test_stray.py").exists()
    assert (mini / "tests/sync_/__pycache__").exists()  # caches are not codegen's


def test_diff_prints_and_writes_nothing(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--diff"], root=mini) == 0
    assert f"+++ b/{SYNC_MOD}" in capsys.readouterr().out
    assert generated_files(mini) == []


def test_errors_exit_2_and_write_nothing(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (mini / "src/vinyl_async/bad.py").write_text(
        "async def run(other):\n\n    await other.AsyncThing().run()\n", "utf-8"
    )
    (mini / "tests/async_/test_bad.py").write_text("import asyncio\nasyncio.run(1)\n", "utf-8")
    assert main([], root=mini) == 2
    err = capsys.readouterr().err
    assert "src/vinyl_async/bad.py:3: `AsyncThing` has no sync mapping" in err
    assert "tests/async_/test_bad.py:1: `asyncio` left" in err
    assert "tests/async_/test_bad.py:2: `asyncio` left" in err
    assert "3 problem(s); nothing written" in err
    assert generated_files(mini) == []
    assert main(["--check"], root=mini) == 2


def test_missing_ruff_fails_loudly(
    mini: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_find_spec = formatting.importlib.util.find_spec
    monkeypatch.setattr(
        formatting.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "ruff" else real_find_spec(name, *a),
    )
    formatting.check_ruff.cache_clear()
    formatting._ruff_bin.cache_clear()
    try:
        assert main([], root=mini) == 2
    finally:
        formatting.check_ruff.cache_clear()
        formatting._ruff_bin.cache_clear()
    assert "ruff is not installed" in capsys.readouterr().err
    assert generated_files(mini) == []


def test_other_ruff_version_fails_loudly(
    mini: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(formatting, "RUFF_VERSION", "0.0.1")
    formatting.check_ruff.cache_clear()
    try:
        assert main([], root=mini) == 2
    finally:
        formatting.check_ruff.cache_clear()
    assert "codegen needs ruff==0.0.1" in capsys.readouterr().err


def test_cli_finds_the_repository_from_its_own_location(mini: Path, tmp_path: Path) -> None:
    """``python -m codegen`` works on the tree it lives in, whatever the working directory."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(mini)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "codegen", *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    assert run("--check").returncode == 1
    assert run().returncode == 0
    assert (mini / SYNC_MOD).exists()
    assert run("--check").returncode == 0
    (mini / SYNC_MOD).write_text("# edited\n", "utf-8")
    result = run("--check")
    assert result.returncode == 1
    assert "-# edited" in result.stdout


def test_prose_in_strings_reads_right_in_sync():
    source = (
        '"""Fetch with ``await qs`` or ``async for``; uses aiosqlite."""\n'
        "MESSAGE = f\"use 'await obj.{name}'\"\n"
    )
    out = transform(source)
    assert "Fetch with ``qs`` or ``for``; uses sqlite3." in out
    assert "use 'obj.{name}'" in out


def test_async_wording_left_in_a_string_is_an_error():
    problems = errors('HELP = "runs on asyncio"\n')
    assert problems == [
        "src/vinyl_async/sample.py:1: async wording 'asyncio' left in a string of the sync "
        "output: rephrase it, or add a PROSE rule in codegen/names.py"
    ]


def test_prose_in_comments_reads_right_in_sync():
    out = transform("x = 1  # read it with ``async for row in qs`` or ``await qs``\n")
    assert "x = 1  # read it with ``for row in qs`` or ``qs``" in out


def test_async_wording_left_in_a_comment_is_an_error():
    problems = errors("x = 1  # runs on asyncio\n")
    assert problems == [
        "src/vinyl_async/sample.py:1: async wording 'asyncio' left in a comment of the sync "
        "output: rephrase it, or add a PROSE rule in codegen/names.py"
    ]
