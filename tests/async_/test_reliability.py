"""Reliability: cancellation storms, killed connections, pool exhaustion, unreachable servers.

What users of an async ORM fear most: connections leaked by cancelled tasks, pools
exhausted for good, transactions left open on the server, half-committed writes,
and calls that hang. Each test drives vinyl into one of these situations and then
checks the pool (``get_stats()``), the server's own view of its sessions
(PostgreSQL ``pg_stat_activity``, MariaDB ``information_schema.processlist`` /
``innodb_trx``) and the data.

In vinyl_sync (threads instead of tasks) nothing can be cancelled from outside, so
the storm interrupts operations the ways a thread can be: an exception raised at a
chosen statement (as a KeyboardInterrupt or a crash in user code would), server-side
statement timeouts cutting statements off mid-query, and pool timeouts.

Server restarts (PostgreSQL, MariaDB) run only with VINYL_RESTART_TESTS=1 (CI sets
it): they restart the shared local servers, and always leave them running.
"""

import contextvars
import os
import random
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, OperationalError, connections
from django.db.models import F
from helpers import fetch, report
from test_connections import run_concurrently, temporary_alias
from vinyltests.models import Account, Author, Book, Restaurant

from vinyl_async import PoolTimeout, atomic, observe_statements
from vinyl_async._compat import IS_ASYNC, CancelledError, Event, sleep
from vinyl_async.connections import connection_for, get_database
from vinyl_async.transaction import in_atomic_block

if IS_ASYNC:
    import asyncio
else:
    import threading


def vendor():
    return connections["default"].vendor


def database_name():
    return connections["default"].settings_dict["NAME"]


@pytest.fixture
def server(db):
    """The database server (PostgreSQL / MariaDB): SQLite has no server to fail."""
    if vendor() == "sqlite":
        pytest.skip("SQLite has no server that could close connections or refuse them")
    return vendor()


# -- helpers: server-side sessions -------------------------------------------------------

SESSION_ID_SQL = {"postgresql": "SELECT pg_backend_pid()", "mysql": "SELECT CONNECTION_ID()"}


async def session_id(alias):
    """The server session of the connection this task would use next on *alias*."""
    async with connection_for(alias) as conn:
        return (await conn.execute(SESSION_ID_SQL[conn.vendor], None)).rows[0][0]


def django_query(sql, params=()):
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def kill_session(session):
    """End *session* from the server side and wait until the server has let it go."""
    if vendor() == "postgresql":
        assert django_query("SELECT pg_terminate_backend(%s, 5000)", [session]) == [(True,)]
        return
    django_query("KILL %s" % int(session))
    deadline = time.monotonic() + 5
    while django_query(
        "SELECT COUNT(*) FROM information_schema.processlist WHERE id = %s", [session]
    )[0][0]:
        assert time.monotonic() < deadline, f"session {session} is still there"
        time.sleep(0.01)


async def settled_stats(alias, timeout=10.0):
    """The pool's stats once nothing is checked out (connections given back, replaced)."""
    pool = get_database(alias).pool
    deadline = time.monotonic() + timeout
    while True:
        stats = pool.get_stats()
        if stats.get("requests_waiting", 0) == 0 and stats["pool_available"] == stats["pool_size"]:
            return stats
        assert time.monotonic() < deadline, f"connections still checked out of {alias!r}: {stats}"
        await sleep(0.02)


# -- killed connections ---------------------------------------------------------------------


async def test_a_connection_the_server_closed_between_operations_is_replaced(server):
    one = {"pool": {"min_size": 1, "max_size": 1, "timeout": 5}}
    async with temporary_alias("one", VINYL=one) as alias:
        accounts = Account.vinyl.using(alias)
        await accounts.create(owner="before")
        first = await session_id(alias)
        kill_session(first)
        assert await accounts.count() == 1  # a read, on a new connection

        kill_session(await session_id(alias))
        await accounts.create(owner="write")  # a write

        kill_session(await session_id(alias))
        async with atomic(using=alias):  # BEGIN on a new connection
            await accounts.create(owner="in atomic")

        assert sorted(Account.objects.values_list("owner", flat=True)) == [
            "before",
            "in atomic",
            "write",
        ]
        assert await session_id(alias) != first
        assert (await settled_stats(alias))["pool_size"] == 1


@pytest.mark.parametrize("killed", ["before a statement", "before the commit"])
async def test_a_connection_killed_inside_atomic_fails_the_block_and_commits_nothing(
    server, killed
):
    async with temporary_alias("killed", VINYL={"pool": {"max_size": 2, "timeout": 5}}) as alias:
        accounts = Account.vinyl.using(alias)
        with pytest.raises(OperationalError) as raised:
            async with atomic(using=alias):
                await accounts.create(owner="doomed 1")
                kill_session(await session_id(alias))  # the block's own connection
                if killed == "before a statement":
                    await accounts.create(owner="doomed 2")
        report(f"killed {killed}: the block raised {type(raised.value).__name__}: {raised.value}")
        assert not in_atomic_block(alias)
        assert Account.objects.filter(owner__startswith="doomed").count() == 0
        # The pool recovers: new connections, nothing checked out.
        await accounts.create(owner="after")
        assert await accounts.count() == 1
        stats = await settled_stats(alias)
        assert 1 <= stats["pool_size"] <= 2


# -- pool exhaustion ------------------------------------------------------------------------


async def test_an_exhausted_pool_waits_then_names_the_alias_and_size(db):
    tiny = {"pool": {"min_size": 0, "max_size": 2, "timeout": 0.3}}
    async with temporary_alias("tiny", VINYL=tiny) as alias:
        holding = []
        release = Event()

        async def hold():
            async with atomic(using=alias):
                await Account.vinyl.using(alias).count()
                holding.append(1)
                await release.wait()
            return "held"

        async def third():
            waited = time.monotonic()
            while len(holding) < 2:
                assert time.monotonic() - waited < 60, "the holders never got their connections"
                await sleep(0.005)
            try:
                with pytest.raises(PoolTimeout) as raised:
                    await Account.vinyl.using(alias).count()
                return str(raised.value)
            finally:
                release.set()

        results = await run_concurrently([hold, hold, third])
        assert results[:2] == ["held", "held"]
        message = results[2]
        assert "'tiny'" in message and "max_size=2" in message and "0.3 seconds" in message
        assert isinstance(PoolTimeout("x"), OperationalError)  # Django's error class
        # Once the holders are done, the pool serves again.
        assert await Account.vinyl.using(alias).count() == 0
        report(f"exhausted pool: {message}")


async def test_nested_use_inside_atomic_reuses_the_task_connection(db):
    """A pool of one: everything inside the block runs on its connection, no deadlock."""
    single = {"pool": {"min_size": 0, "max_size": 1, "timeout": 2}}
    async with temporary_alias("single", VINYL=single) as alias:
        async with atomic(using=alias):
            restaurant = await Restaurant.vinyl.using(alias).create(
                name="Chez", serves_pizza=True
            )  # parents: nested atomic
            async with atomic(using=alias):
                await Account.vinyl.using(alias).create(owner="nested")
                author = await Author.vinyl.using(alias).create(name="Ann")
                await Book.vinyl.using(alias).create(title="Dune", author=author)
            authors = await fetch(Author.vinyl.using(alias).prefetch_related("books"))
            assert [b.title for b in authors[0]["books"]] == ["Dune"]
            await (
                Account.vinyl.using(alias).filter(owner="nested").update(balance=F("balance") + 1)
            )
            restaurant.rating = 5
            await restaurant.save()
            async with connection_for(alias) as conn:
                await conn.execute("SELECT 1", None)
        assert Account.objects.get(owner="nested").balance == 1
        assert get_database(alias).pool.get_stats()["pool_size"] == 1


# -- connection failures --------------------------------------------------------------------


def _closed_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@contextmanager
def silent_server():
    """A port on 127.0.0.1 that accepts TCP connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


async def within(seconds, job):
    """Run *job*; fail if it has not finished after *seconds* (it hangs)."""
    if IS_ASYNC:
        try:
            return await asyncio.wait_for(job(), seconds)
        except TimeoutError:
            raise AssertionError(f"still running after {seconds} seconds: it hangs") from None
    else:
        outcome = []

        def run():
            try:
                outcome.append(("ok", job()))
            except BaseException as exc:
                outcome.append(("error", exc))

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(seconds)
        assert outcome, f"still running after {seconds} seconds: it hangs"
        kind, value = outcome[0]
        if kind == "error":
            raise value
        return value


def _failure_settings(problem, port):
    if problem == "wrong database":
        if vendor() == "sqlite":
            return {"NAME": "/nonexistent-vinyl-directory/db.sqlite3"}
        return {"NAME": "vinyl_no_such_database"}
    if problem == "wrong user":
        return {"USER": "vinyl_no_such_user", "PASSWORD": "wrong"}
    return {"HOST": "127.0.0.1", "PORT": str(port)}


@pytest.mark.parametrize(
    "problem", ["wrong database", "wrong user", "closed port", "silent server"]
)
async def test_a_failing_connection_raises_a_clear_error_naming_the_alias(db, problem):
    if vendor() == "sqlite" and problem != "wrong database":
        pytest.skip("SQLite opens a file: there is no user, port or server")
    connect_timeout = 1
    with silent_server() as silent_port:
        port = silent_port if problem == "silent server" else _closed_port()
        vinyl = {"connect_timeout": connect_timeout, "pool": {"min_size": 0, "timeout": 30}}
        async with temporary_alias(
            "broken", VINYL=vinyl, **_failure_settings(problem, port)
        ) as alias:

            async def attempt():
                started = time.monotonic()
                with pytest.raises(OperationalError) as raised:
                    await Account.vinyl.using(alias).count()
                return raised.value, time.monotonic() - started

            for _ in range(2):  # and again: the failure leaves nothing stuck behind
                error, elapsed = await within(connect_timeout + 10, attempt)
                assert not isinstance(error, PoolTimeout), error
                assert "'broken'" in str(error), error
            report(f"{problem}: {type(error).__name__} after {elapsed:.2f}s: {error}")
            assert get_database(alias).pool.get_stats()["pool_size"] == 0


# -- cancellation / interruption storm --------------------------------------------------------


class Interrupted(BaseException):
    """Stands for what can stop a thread at any statement (KeyboardInterrupt, a crash)."""


#: Rows each kind of operation writes under its tag (all or nothing).
WRITES = {"write": 1, "atomic": 3, "nested": 2, "slow_in_atomic": 2, "update_in_atomic": 1}
KINDS = [
    "read",
    "write",
    "atomic",
    "nested",
    "slow",
    "slow_in_atomic",
    "prefetch",
    "update_in_atomic",
    "values",
]

#: Per task (thread): the statement at which to cancel or interrupt, and what was sent.
_target = contextvars.ContextVar("storm_target", default=None)


def _slow_sql(seconds):
    if vendor() == "postgresql":
        return f"SELECT pg_sleep({seconds})"
    if vendor() == "mysql":
        return f"SELECT SLEEP({seconds})"
    rows = int(seconds * 4_000_000)  # a recursive count: SQLite's way of taking its time
    return f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows}) SELECT count(*) FROM c"


def _storm_observer(alias, sql, params):
    target = _target.get()
    if target is None:
        return
    target["sent"].append(sql.split(None, 1)[0].upper())
    if target["at"] is None or target["fired"]:
        return
    if sql.upper().startswith(target["at"]) and random.random() < 0.7:
        target["fired"] = True
        if target["how"] == "cancel":
            if IS_ASYNC:
                asyncio.current_task().cancel()  # lands at this statement's I/O
        else:
            raise Interrupted(target["at"])


class Rollback(Exception):
    pass


async def storm_operation(alias, i, kind):
    accounts = Account.vinyl.using(alias)
    tag = f"op{i}"
    if kind == "read":
        await fetch(accounts.filter(tag="seed").order_by("id")[:5])
    elif kind == "values":
        await fetch(accounts.filter(tag="seed").values_list("owner", "balance"))
    elif kind == "prefetch":
        await fetch(Author.vinyl.using(alias).prefetch_related("books")[:3])
    elif kind == "write":
        await accounts.create(owner=f"w{i}", tag=tag)
    elif kind == "atomic":
        async with atomic(using=alias):
            for n in range(3):
                await accounts.create(owner=f"a{i}.{n}", tag=tag)
    elif kind == "nested":
        async with atomic(using=alias):
            await accounts.create(owner=f"n{i}", tag=tag)
            try:
                async with atomic(using=alias):
                    await accounts.create(owner=f"n{i} inner", tag=tag + "-inner")
                    raise Rollback
            except Rollback:
                pass
            await accounts.create(owner=f"n{i} after", tag=tag)
    elif kind == "slow":
        async with connection_for(alias) as conn:
            await conn.execute(_slow_sql(0.003), None)
    elif kind == "slow_in_atomic":
        async with atomic(using=alias):
            await accounts.create(owner=f"s{i}", tag=tag)
            async with connection_for(alias) as conn:
                await conn.execute(_slow_sql(0.003), None)
            await accounts.create(owner=f"s{i} after", tag=tag)
    elif kind == "update_in_atomic":
        async with atomic(using=alias):
            await accounts.create(owner=f"u{i}", tag=tag, balance=1)
            await accounts.filter(tag=tag).update(balance=F("balance") + 1)
    elif kind == "too_slow":  # cut off by the server's statement timeout
        async with atomic(using=alias):
            await accounts.create(owner=f"t{i}", tag=tag)
            async with connection_for(alias) as conn:
                await conn.execute(_slow_sql(2), None)


def _classify(exc, target):
    """Where an operation was stopped: the last statement sent before it stopped."""
    sent = target["sent"]
    if not sent:
        return "before any statement (acquire)"
    last = sent[-1]
    if last == "COMMIT":
        return "during commit"
    if "BEGIN" in sent and last not in ("ROLLBACK",):
        return "inside atomic"
    return "mid-operation"


async def run_operation(alias, i, kind, how, at, timeout):
    """One storm operation; returns (outcome, where) and never raises."""
    target = {"at": at, "how": how, "fired": False, "sent": []}
    _target.set(target)
    try:
        if IS_ASYNC:
            if how == "timeout":
                async with asyncio.timeout(timeout):
                    await storm_operation(alias, i, kind)
            else:
                await storm_operation(alias, i, kind)
        else:
            await storm_operation(alias, i, kind)
    except Interrupted:
        return ("interrupted", _classify(None, target))
    except OperationalError as exc:
        if isinstance(exc, PoolTimeout):
            return ("pool timeout", "acquire")
        text = str(exc).lower()
        if "statement timeout" in text or "max_statement_time" in text or "interrupted" in text:
            return ("server timeout", "mid-query")
        raise
    except TimeoutError as exc:
        if not IS_ASYNC:
            raise  # a thread has no timeout() context manager to interrupt it
        return ("timed out", _classify(exc, target))
    except CancelledError as exc:
        return ("cancelled", _classify(exc, target))
    return ("completed", None)


def _stop_modes():
    """(how, stopped at a chosen statement?, weight) of the ways operations are stopped."""
    if IS_ASYNC:
        return [
            ("cancel", False, 35),  # task.cancel() from outside, at a random moment
            ("timeout", False, 15),  # asyncio.timeout() expiring at a random moment
            ("cancel", True, 15),  # task.cancel() as a chosen statement is sent
            ("interrupt", True, 15),  # an exception raised as a chosen statement is sent
            (None, False, 20),  # left alone
        ]
    else:
        return [("interrupt", True, 60), (None, False, 40)]


def storm_plan(operations, seed):
    """(index, kind, how, at, timeout) per operation: how it is stopped, if at all."""
    rng = random.Random(seed)
    ats = ["BEGIN", "INSERT", "UPDATE", "SELECT", "SAVEPOINT", "COMMIT", "RELEASE"]
    modes = _stop_modes()
    plan = []
    for i in range(operations):
        kind = rng.choice(KINDS)
        if vendor() != "sqlite" and rng.random() < 0.01:
            kind = "too_slow"
        how, at_statement, _weight = rng.choices(modes, weights=[m[2] for m in modes])[0]
        at = rng.choice(ats) if at_statement else None
        delay = (
            rng.uniform(0, 0.006) if how in ("cancel", "timeout") and not at_statement else None
        )
        plan.append((i, kind, how, at, delay))
    return plan


async def run_storm(alias, plan, concurrency):
    outcomes = {}
    if IS_ASYNC:
        loop = asyncio.get_running_loop()
        tasks = {}
        running = set()
        for i, kind, how, at, delay in plan:
            while len(running) >= concurrency:  # a sliding window of operations in flight
                _done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            task = asyncio.create_task(run_operation(alias, i, kind, how, at, delay))
            if how == "cancel" and at is None:
                loop.call_later(delay, task.cancel)
            tasks[i] = task
            running.add(task)
        if running:
            await asyncio.wait(running)
        for i, task in tasks.items():
            # Cancelled before it started running: stopped before any statement too.
            outcomes[i] = ("cancelled", "before it ran") if task.cancelled() else task.result()
    else:
        queue = list(reversed(plan))
        lock = threading.Lock()

        def worker():
            while True:
                with lock:
                    if not queue:
                        return
                    i, kind, how, at, delay = queue.pop()
                outcomes[i] = run_operation(alias, i, kind, how, at, delay)

        await run_concurrently([worker] * concurrency)
    return outcomes


def server_sessions(application_name):
    """The server's view: {state: count} of the storm alias's sessions, and open transactions."""
    if vendor() == "postgresql":
        rows = django_query(
            "SELECT coalesce(state, '?'), count(*) FROM pg_stat_activity "
            "WHERE application_name = %s GROUP BY 1",
            [application_name],
        )
        states = dict(rows)
        open_transactions = sum(n for state, n in states.items() if "transaction" in state)
        return states, open_transactions
    if vendor() == "mysql":
        rows = django_query(
            "SELECT command, count(*) FROM information_schema.processlist "
            "WHERE db = %s AND id <> CONNECTION_ID() GROUP BY 1",
            [database_name()],
        )
        open_transactions = django_query(
            "SELECT COUNT(*) FROM information_schema.innodb_trx t "
            "JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id "
            "WHERE p.db = %s AND p.id <> CONNECTION_ID()",
            [database_name()],
        )[0][0]
        return dict(rows), open_transactions
    return {}, 0


async def wait_for_server(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result[0]:
            return result[1]
        assert time.monotonic() < deadline, result[1]
        await sleep(0.05)


async def test_storm_of_cancelled_and_interrupted_operations_leaks_nothing(db):
    operations = 1000
    application_name = f"vinyl-storm-{os.getpid()}"
    options = {}
    if vendor() == "postgresql":
        options = {"application_name": application_name, "options": "-c statement_timeout=500"}
    elif vendor() == "mysql":
        options = {"init_command": "SET SESSION max_statement_time = 0.5"}
    seed = int(os.environ.get("VINYL_STORM_SEED", "0")) or random.randrange(1 << 30)
    plan = storm_plan(operations, seed)
    author = Author.objects.create(name="seed author")
    for n in range(3):
        Book.objects.create(title=f"seed {n}", author=author)
        Account.objects.create(owner=f"seed {n}", tag="seed", balance=n)
    baseline = server_sessions(application_name)[0] if vendor() == "mysql" else {}

    # SQLite has one writer at a time: more connections only poll for its lock.
    vinyl = {"pool": {"min_size": 0, "max_size": 2 if vendor() == "sqlite" else 6, "timeout": 10}}
    async with temporary_alias("storm", VINYL=vinyl, options=options) as alias:
        started = time.monotonic()
        with observe_statements(_storm_observer):
            # Tasks are cheap; threads are not (and share one interpreter lock).
            outcomes = await run_storm(alias, plan, concurrency=24 if IS_ASYNC else 8)
        elapsed = time.monotonic() - started

        # 1. The pool holds all its connections again, none waiting or checked out.
        stats = await settled_stats(alias)
        assert stats.get("requests_waiting", 0) == 0

        # 2. The server: no session of the storm left inside a transaction.
        def no_open_transactions():
            states, open_transactions = server_sessions(application_name)
            busy = {k: v for k, v in states.items() if k not in ("idle", "Sleep", "Daemon")}
            return (open_transactions == 0 and not busy, (states, open_transactions))

        states, open_transactions = await wait_for_server(no_open_transactions)

        # 3. Every write is whole: all of an operation's rows or none; all of a completed one.
        counts = {}
        for tag in Account.objects.exclude(tag="seed").values_list("tag", flat=True):
            counts[tag] = counts.get(tag, 0) + 1
        for i, kind, _how, _at, _timeout in plan:
            expected = WRITES.get(kind, 0) if kind != "too_slow" else 1
            found = counts.get(f"op{i}", 0)
            assert counts.get(f"op{i}-inner", 0) == 0
            assert found in (0, expected), (i, kind, outcomes[i], found)
            if outcomes[i][0] == "completed":
                assert found == expected, (i, kind, found)
            if kind == "update_in_atomic" and found:
                assert Account.objects.get(tag=f"op{i}").balance == 2
        # The data can still be written (nothing holds a lock).
        Account.objects.filter(tag="seed").update(balance=F("balance") + 1)

        # 4. And after closing the pool, the server holds no session of it (MariaDB
        # sessions carry no name: no more sessions on the database than before).
        await get_database(alias).close_pool()

        def storm_sessions_gone():
            states = server_sessions(application_name)[0]
            return (
                sum(states.values()) <= sum(baseline.values()) and "Query" not in states,
                states,
            )

        after = await wait_for_server(storm_sessions_gone)

    summary = {}
    for outcome, where in outcomes.values():
        key = outcome if where is None else f"{outcome} ({where})"
        summary[key] = summary.get(key, 0) + 1
    completed = sum(1 for outcome, _where in outcomes.values() if outcome == "completed")
    report(
        f"storm ({'tasks' if IS_ASYNC else 'threads'}, seed {seed}): {operations} operations in "
        f"{elapsed:.1f}s, {completed} completed, {operations - completed} stopped:"
    )
    for key in sorted(summary):
        report(f"  {summary[key]:5d}  {key}")
    report(
        f"  pool after: {stats}; server sessions after: {states}, open transactions: {open_transactions}; after close: {after}"
    )
    stopped_where = {where for outcome, where in outcomes.values() if outcome != "completed"}
    assert {"during commit", "inside atomic", "mid-operation"} <= stopped_where
    if IS_ASYNC:
        # Threads cannot be stopped while they wait for a connection (a pool timeout is
        # their way out: test_an_exhausted_pool_waits_then_names_the_alias_and_size).
        assert "before any statement (acquire)" in stopped_where
        assert {"cancelled", "timed out", "interrupted"} <= {
            outcome for outcome, _where in outcomes.values()
        }


# -- server restarts (VINYL_RESTART_TESTS=1) ----------------------------------------------------

restart_only = pytest.mark.skipif(
    not os.environ.get("VINYL_RESTART_TESTS"),
    reason="restarts the local database server: set VINYL_RESTART_TESTS=1 (CI does)",
)


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _wait_port(port, up, timeout=60):
    deadline = time.monotonic() + timeout
    while _port_open(port) != up:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _restart_server(kind):
    """Restart PostgreSQL / MariaDB as ../shared/services.sh starts them; wait until it serves."""
    if kind == "postgresql":
        cluster = sorted(os.listdir("/etc/postgresql"))[0]
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
            check=True,
            env=_server_env(),
            timeout=120,
        )
        assert _wait_port(5432, True)
    else:
        subprocess.run(
            ["mysqladmin", "-uroot", "-h127.0.0.1", "shutdown"], check=True, timeout=120
        )
        _wait_port(3306, False)
        # The port closes before the process has exited; start-stop-daemon --oknodo
        # would take the exiting one for a running server.
        deadline = time.monotonic() + 60
        while subprocess.run(["pgrep", "-x", "mariadbd"], capture_output=True).returncode == 0:
            assert time.monotonic() < deadline, "mariadbd does not exit"
            time.sleep(0.1)
        _start_mariadb()


def _server_env():
    """The environment a server is started with: not the test's own temporary directory
    (nox points TMPDIR into its virtualenv, where the server's user may not write)."""
    return {k: v for k, v in os.environ.items() if k not in ("TMPDIR", "TMP", "TEMP")}


def _start_mariadb():
    subprocess.run(
        [
            "start-stop-daemon",
            "--start",
            "--oknodo",
            "--background",
            "--exec",
            "/usr/sbin/mariadbd",
        ],
        check=True,
        timeout=60,
        env=_server_env(),
    )
    assert _wait_port(3306, True)


def _ensure_servers_running():
    if not _port_open(5432):
        cluster = sorted(os.listdir("/etc/postgresql"))[0]
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "start"],
            timeout=120,
            env=_server_env(),
        )
        _wait_port(5432, True)
    if not _port_open(3306):
        _start_mariadb()


async def _restart_in_background(kind):
    if IS_ASYNC:
        await asyncio.get_running_loop().run_in_executor(None, _restart_server, kind)
    else:
        _restart_server(kind)


@pytest.fixture
def restarted_server(server):
    """The server, restarted by the test: left running, and Django's connections
    (which died with it) closed afterwards, in the thread that opened them."""
    try:
        yield server
    finally:
        _ensure_servers_running()
        connections.close_all()


@pytest.mark.restart
@restart_only
async def test_server_restart_under_steady_load(restarted_server):
    """Operations in flight fail (OperationalError), later ones succeed, without restarting the app."""
    workers = 6
    phase = ["before"]
    outcomes = []
    stop = []

    async with temporary_alias("restart", VINYL={"pool": {"max_size": 4, "timeout": 20}}) as alias:
        accounts = Account.vinyl.using(alias)

        async def load(w):
            n = 0
            while not stop:
                started_in = phase[0]
                n += 1
                try:
                    await accounts.create(owner=f"worker {w}", tag=f"restart {w}.{n}")
                    await accounts.filter(tag=f"restart {w}.{n}").count()
                    outcomes.append((started_in, "ok", None))
                except DatabaseError as exc:
                    outcomes.append(
                        (started_in, type(exc).__name__, str(exc).splitlines()[0][:120])
                    )
                    await sleep(0.1)  # the server is away: do not spin
                await sleep(0.01)

        async def controller():
            try:
                await sleep(0.5)
                phase[0] = "restarting"
                await _restart_in_background(restarted_server)
                phase[0] = "after"
                # Recovery time depends on the machine's load: wait (bounded) until
                # every worker has succeeded after the restart, at least for 3 s.
                started = time.monotonic()
                while time.monotonic() - started < 60:
                    recovered = sum(1 for o in outcomes if o[:2] == ("after", "ok"))
                    if recovered >= workers and time.monotonic() - started >= 3:
                        break
                    await sleep(0.1)
            finally:
                stop.append(True)
                _ensure_servers_running()

        try:
            await run_concurrently([controller] + [lambda w=w: load(w) for w in range(workers)])
        finally:
            _ensure_servers_running()
        # After the restart and the pool's recovery, every operation works.
        for _ in range(20):
            await accounts.create(owner="after restart", tag="after")
        assert await accounts.filter(tag="after").count() == 20
        await settled_stats(alias, timeout=30)

    by_phase = {}
    for started_in, outcome, _message in outcomes:
        by_phase.setdefault(started_in, {}).setdefault(outcome, 0)
        by_phase[started_in][outcome] += 1
    report(
        f"restart of {restarted_server} under load ({workers} {'tasks' if IS_ASYNC else 'threads'}): {by_phase}"
    )
    errors_seen = {}
    for started_in, outcome, message in outcomes:
        if outcome != "ok":
            errors_seen[(started_in, outcome, message)] = (
                errors_seen.get((started_in, outcome, message), 0) + 1
            )
    for (started_in, outcome, message), count in sorted(errors_seen.items()):
        report(f"  {count:4d} x {started_in}: {outcome}: {message}")
    assert by_phase["before"] == {"ok": by_phase["before"].get("ok", 0)}  # no error before
    errors = [o for o in outcomes if o[1] != "ok"]
    assert all(started_in == "restarting" for started_in, _outcome, _message in errors), errors
    assert all(
        outcome in ("OperationalError", "InterfaceError", "PoolTimeout")
        for _s, outcome, _m in errors
    ), errors
    assert by_phase.get("after", {}).get("ok", 0) > 0
