"""What the examples' tests share: a fresh PostgreSQL database, servers on free ports.

The examples run as their users run them: servers are started as subprocesses
(uvicorn, manage.py runserver) on 127.0.0.1 and spoken to over HTTP. PostgreSQL comes
from VINYL_TEST_POSTGRES (default postgresql://postgres@127.0.0.1:5432/test); each test
gets a database of its own, created empty and dropped afterwards. An unreachable server
skips the tests that need it, unless CI or VINYL_REQUIRE_BACKENDS is set: then they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

EXAMPLES = Path(__file__).resolve().parent
POSTGRES_URL = os.environ.get("VINYL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRED = bool(os.environ.get("CI") or os.environ.get("VINYL_REQUIRE_BACKENDS"))


def database_url(name: str) -> str:
    """POSTGRES_URL with another database name."""
    parts = urlsplit(POSTGRES_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute(statement)


@pytest.fixture
def postgres_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    name = f"vinyl_example_{request.node.name}".lower()[:60]
    try:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as exc:  # psycopg.OperationalError, or psycopg missing
        reason = f"PostgreSQL at {POSTGRES_URL} is not usable: {exc}"
        if REQUIRED:
            pytest.fail(f"{reason} (CI/VINYL_REQUIRE_BACKENDS forbids skipping)")
        pytest.skip(reason)
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(name)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def example_env(**values: str) -> dict[str, str]:
    """The environment of an example's process: no settings module or PYTHONPATH inherited."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")
    }
    env.update(values)
    return env


def run(args: Sequence[str], cwd: Path, env: dict[str, str]) -> str:
    """Run a command to completion; its output, or a test failure that shows it."""
    result = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(args)} exited {result.returncode}:\n{output}"
    return output


@contextmanager
def serve(args: Sequence[str], cwd: Path, env: dict[str, str], port: int) -> Iterator[str]:
    """Start a server (``python *args``) and wait until 127.0.0.1:*port* accepts; its URL.

    The server is stopped afterwards; its output is shown if it does not come up.
    """
    log_path = cwd / f".server-{port}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, *args], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited ({process.returncode}):\n{log_path.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"server did not listen on {port}:\n{log_path.read_text()}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_path.unlink(missing_ok=True)
