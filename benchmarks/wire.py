"""Statements and round trips on the wire, from libpq's protocol trace.

Every system here talks to PostgreSQL through psycopg (raw, Django and vinyl alike),
so one measurement serves all of them: libpq's ``PQtrace`` logs each protocol message
sent (``F``) and received (``B``). From the log:

- a *statement* is a simple-protocol ``Query`` or an extended-protocol ``Execute``;
  ``BEGIN``/``COMMIT``/``ROLLBACK``/``SAVEPOINT``/``RELEASE`` are counted apart as
  transaction control (psycopg sends the implicit ``BEGIN`` of a non-autocommit
  connection itself, so client-side hooks such as Django's ``execute_wrapper`` miss it);
- a *round trip* is a burst of frontend messages followed by backend messages: the client
  sent something and then had to wait for the answer. A pipelined batch is one burst.

:func:`install` wraps ``psycopg.Connection.connect`` / ``AsyncConnection.connect`` (what
psycopg_pool, Django's pool and vinyl's pool all call) to remember every connection;
:class:`Tracer` then traces all of them for a measured stretch.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import pq

_UNKNOWN = "(a statement prepared before tracing started)"
_lock = threading.Lock()
_connections: weakref.WeakSet[Any] = weakref.WeakSet()
_active: Tracer | None = None
_installed = False

_TX_KEYWORDS = {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"}
_QUOTED = re.compile(r'"((?:[^"]|"(?! \d|$))*)"')
_PARSE = re.compile(r'^\s*"([^"]*)" "(.*)" \d+(?: .*)?$', re.S)
_BIND = re.compile(r'^\s*"([^"]*)" "([^"]*)"')
_QUERY = re.compile(r'^\s*"(.*)"\s*$', re.S)


def _register(conn: Any) -> None:
    with _lock:
        _connections.add(conn)
        tracer = _active
    if tracer is not None:
        tracer.attach(conn)


def install() -> None:
    """Remember every psycopg connection opened from now on (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    sync_connect = psycopg.Connection.connect.__func__  # type: ignore[attr-defined]
    async_connect = psycopg.AsyncConnection.connect.__func__  # type: ignore[attr-defined]

    def connect(cls: Any, *args: Any, **kwargs: Any) -> Any:
        conn = sync_connect(cls, *args, **kwargs)
        _register(conn)
        return conn

    async def aconnect(cls: Any, *args: Any, **kwargs: Any) -> Any:
        conn = await async_connect(cls, *args, **kwargs)
        _register(conn)
        return conn

    psycopg.Connection.connect = classmethod(connect)  # type: ignore[method-assign,assignment]
    psycopg.AsyncConnection.connect = classmethod(aconnect)  # type: ignore[method-assign,assignment]


@dataclass
class WireCounts:
    statements: int = 0
    transaction: int = 0
    round_trips: int = 0
    #: statement text → times sent (first 200 characters, for the JSON report)
    sql: dict[str, int] = field(default_factory=dict)

    def add(self, other: WireCounts) -> None:
        self.statements += other.statements
        self.transaction += other.transaction
        self.round_trips += other.round_trips
        for text, count in other.sql.items():
            self.sql[text] = self.sql.get(text, 0) + count


def _keyword(sql: str) -> str:
    words = sql.lstrip().split(None, 1)
    return words[0].upper().rstrip(";") if words else ""


def parse_trace(text: str) -> WireCounts:
    """Count statements and round trips in one connection's libpq trace."""
    counts = WireCounts()
    prepared: dict[str, str] = {}
    portal_sql = ""
    previous = ""

    def statement(sql: str) -> None:
        if _keyword(sql) in _TX_KEYWORDS:
            counts.transaction += 1
        else:
            counts.statements += 1
        key = " ".join(sql.split())[:200]
        counts.sql[key] = counts.sql.get(key, 0) + 1

    for line in text.splitlines():
        parts = line.split("\t", 3)
        if len(parts) < 3 or parts[0] not in ("F", "B"):
            continue  # a continuation line of a multi-line SQL string
        direction, kind = parts[0], parts[2]
        rest = parts[3] if len(parts) > 3 else ""
        if direction == "F":
            if kind == "Terminate":
                continue
            if previous != "F":
                counts.round_trips += 1
            if kind == "Query":
                match = _QUERY.match(rest)
                statement(match.group(1) if match else rest)
            elif kind == "Parse":
                match = _PARSE.match(rest)
                if match:
                    prepared[match.group(1)] = match.group(2)
            elif kind == "Bind":
                match = _BIND.match(rest)
                portal_sql = prepared.get(match.group(2), _UNKNOWN) if match else _UNKNOWN
            elif kind == "Execute":
                statement(portal_sql)
        previous = direction
    return counts


class Tracer:
    """Trace every known (and every new) psycopg connection until :meth:`stop`."""

    def __init__(self) -> None:
        self._directory = tempfile.mkdtemp(prefix="vinyl-bench-trace-")
        self._files: list[tuple[Any, int, str]] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        global _active
        with _lock:
            _active = self
            connections = list(_connections)
        for conn in connections:
            self.attach(conn)

    def attach(self, conn: Any) -> None:
        if conn.closed:
            return
        with self._lock:
            path = os.path.join(self._directory, f"{len(self._files)}.trace")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            conn.pgconn.trace(fd)
            conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
            self._files.append((conn, fd, path))

    def stop(self) -> WireCounts:
        """Stop tracing; the counts over every traced connection."""
        global _active
        with _lock:
            _active = None
        total = WireCounts()
        for conn, fd, path in self._files:
            if not conn.closed:
                conn.pgconn.untrace()  # flushes libpq's buffered trace
            os.close(fd)
            with open(path, encoding="utf-8", errors="replace") as trace:
                total.add(parse_trace(trace.read()))
            os.unlink(path)
        os.rmdir(self._directory)
        self._files.clear()
        return total
