"""Acceptance: the vinyl_async wheel alone, in a fresh virtualenv, runs quickstart.py.

No Django settings module, no manage.py, no database server: ``pip install`` of the
wheel brings Django and aiosqlite (and no other database driver), and the script
configures, creates its tables, writes, filters and prefetches.

The wheel is $VINYL_ASYNC_WHEEL (``nox -s examples`` builds it); without it the test
builds one from the repository with ``pip wheel``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES, example_env

ROOT = EXAMPLES.parent


def _wheel(tmp_path: Path) -> Path:
    if os.environ.get("VINYL_ASYNC_WHEEL"):
        return Path(os.environ["VINYL_ASYNC_WHEEL"])
    out = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        timeout=600,
    )
    (wheel,) = out.glob("vinyl_async-*.whl")
    return wheel


def test_the_wheel_alone_runs_the_quickstart_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    # The interpreter the virtualenv is made from: this one's base, not a virtualenv's.
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", str(_wheel(tmp_path))],
        check=True,
        timeout=600,
    )
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installed = {line.split("==")[0].lower().replace("_", "-") for line in listed.split()}
    assert {"vinyl-async", "django", "aiosqlite"} <= installed
    assert not installed & {"psycopg", "psycopg-pool", "aiomysql", "pymysql", "mysqlclient"}

    workdir = tmp_path / "app"  # nothing of the repository next to the script
    workdir.mkdir()
    shutil.copy(EXAMPLES / "quickstart.py", workdir / "quickstart.py")
    result = subprocess.run(
        [python, "quickstart.py"],
        cwd=workdir,
        env=example_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == ["Ann [12, 30]", "Bob [99]"]


def test_the_async_quickstart_page_shows_this_very_script() -> None:
    page = (ROOT / "docs" / "quickstart-async.md").read_text()
    assert (EXAMPLES / "quickstart.py").read_text() in page, "copy examples/quickstart.py there"
