"""Transactions with Django's documented semantics: atomic, savepoints, on_commit, rollback flags.

Where a scenario can be written for both, it runs through Django's own
``transaction`` module and ``objects`` as well, and the outcomes (rows left,
callbacks run, errors raised) must be the same.
"""

import logging

import pytest
from django.db import transaction as django_transaction
from django.db.models import F
from django.db.transaction import TransactionManagementError
from helpers import fetch
from test_connections import run_concurrently
from vinyltests.models import Account, Counter

from vinyl_async import atomic, on_commit
from vinyl_async._compat import IS_ASYNC, async_only, sleep
from vinyl_async.connections import connection_for
from vinyl_async.transaction import get_rollback, in_atomic_block, set_rollback

if IS_ASYNC:
    import asyncio


def owners():
    return sorted(Account.objects.values_list("owner", flat=True))


# -- atomic and savepoints ----------------------------------------------------------------


async def test_a_rolled_back_savepoint_keeps_the_outer_work(db):
    async with atomic():
        await Account.vinyl.create(owner="outer")
        with pytest.raises(ZeroDivisionError):
            async with atomic():
                await Account.vinyl.create(owner="inner")
                raise ZeroDivisionError
        await Account.vinyl.create(owner="after")
    assert owners() == ["after", "outer"]

    Account.objects.all().delete()
    with django_transaction.atomic():  # Django, for reference
        Account.objects.create(owner="outer")
        with pytest.raises(ZeroDivisionError):
            with django_transaction.atomic():
                Account.objects.create(owner="inner")
                raise ZeroDivisionError
        Account.objects.create(owner="after")
    assert owners() == ["after", "outer"]


async def test_an_exception_in_the_outermost_block_rolls_everything_back(db):
    with pytest.raises(ValueError):
        async with atomic():
            await Account.vinyl.create(owner="a")
            async with atomic():
                await Account.vinyl.create(owner="b")
            raise ValueError
    assert owners() == []
    assert not in_atomic_block()


async def test_savepoint_false_makes_an_inner_error_doom_the_outer_block(db):
    with pytest.raises(TransactionManagementError):
        async with atomic():
            await Account.vinyl.create(owner="outer")
            with pytest.raises(ZeroDivisionError):
                async with atomic(savepoint=False):
                    await Account.vinyl.create(owner="inner")
                    raise ZeroDivisionError
            assert get_rollback()
            await (
                Account.vinyl.count()
            )  # Django: "An error occurred in the current transaction..."
    assert owners() == []

    with pytest.raises(TransactionManagementError) as django_error:  # Django, for reference
        with django_transaction.atomic():
            Account.objects.create(owner="outer")
            with pytest.raises(ZeroDivisionError):
                with django_transaction.atomic(savepoint=False):
                    raise ZeroDivisionError
            Account.objects.count()
    assert owners() == []
    with pytest.raises(TransactionManagementError, match=str(django_error.value)):
        async with atomic():
            with pytest.raises(ZeroDivisionError):
                async with atomic(savepoint=False):
                    raise ZeroDivisionError
            await Account.vinyl.count()


async def test_savepoint_false_without_error_joins_the_outer_transaction(db):
    with pytest.raises(KeyError):
        async with atomic():
            async with atomic(savepoint=False):
                await Account.vinyl.create(owner="joined")
            raise KeyError
    assert owners() == []


async def test_a_durable_block_cannot_be_nested(db):
    async with atomic(durable=True):
        await Account.vinyl.create(owner="durable")
    with pytest.raises(
        RuntimeError, match="A durable atomic block cannot be nested within another atomic block."
    ):
        async with atomic():
            async with atomic(durable=True):
                pass
    with pytest.raises(RuntimeError):
        with django_transaction.atomic():
            with django_transaction.atomic(durable=True):
                pass
    assert owners() == ["durable"]


async def test_set_rollback_and_get_rollback(db):
    async with atomic():
        await Account.vinyl.create(owner="flagged")
        assert get_rollback() is False
        set_rollback(True)
        assert get_rollback() is True
    assert owners() == []

    async with atomic():
        await Account.vinyl.create(owner="kept")
        async with atomic():
            await Account.vinyl.create(owner="inner, rolled back")
            set_rollback(True)  # only the innermost block (its savepoint) rolls back
        assert get_rollback() is False
    assert owners() == ["kept"]

    async with atomic():
        set_rollback(True)
        set_rollback(False)
        await Account.vinyl.create(owner="unflagged")
    assert owners() == ["kept", "unflagged"]

    with pytest.raises(TransactionManagementError) as django_error:
        django_transaction.get_rollback()
    with pytest.raises(TransactionManagementError, match=str(django_error.value)):
        get_rollback()
    with pytest.raises(TransactionManagementError, match=str(django_error.value)):
        set_rollback(True)


async def test_atomic_as_a_decorator(db):
    @atomic
    async def bare(fail):
        assert in_atomic_block()
        await Account.vinyl.create(owner="bare")
        if fail:
            raise LookupError

    @atomic(using="other")
    async def on_other():
        assert in_atomic_block("other") and not in_atomic_block("default")
        await Account.vinyl_other.create(owner="other")

    @atomic()
    async def called(owner):
        await Account.vinyl.create(owner=owner)
        return owner

    with pytest.raises(LookupError):
        await bare(True)
    await bare(False)
    await on_other()
    assert await called("called") == "called"
    assert called.__name__ == "called"
    assert owners() == ["bare", "called", "other"]


async def test_select_for_update_requires_a_transaction_like_django(db):
    account = Account.objects.create(owner="locked")

    def django_outcome():
        try:
            return (
                "ok",
                [a.pk for a in Account.objects.select_for_update().filter(pk=account.pk)],
            )
        except TransactionManagementError as exc:
            return ("error", str(exc))

    async def vinyl_outcome():
        try:
            return (
                "ok",
                [
                    a.pk
                    for a in await fetch(Account.vinyl.select_for_update().filter(pk=account.pk))
                ],
            )
        except TransactionManagementError as exc:
            return ("error", str(exc))

    assert await vinyl_outcome() == django_outcome()
    async with atomic():
        locked = await fetch(Account.vinyl.select_for_update().filter(pk=account.pk))
        assert [a.owner for a in locked] == ["locked"]
        locked = await Account.vinyl.select_for_update().get(pk=account.pk)


@async_only
async def test_a_timeout_inside_a_nested_block_rolls_back_only_that_block(db):
    """asyncio.timeout() cancels the task: the savepoint rolls back, the outer block goes on."""
    async with atomic():
        await Account.vinyl.create(owner="outer")
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                async with atomic():
                    await Account.vinyl.create(owner="timed out")
                    await asyncio.sleep(10)
        await Account.vinyl.create(owner="after")
    assert owners() == ["after", "outer"]


@async_only
async def test_a_task_cancelled_inside_atomic_rolls_back_and_gives_the_connection_back(db):
    started = asyncio.Event()

    async def cancelled_inside():
        async with atomic(using="other"):
            await Account.vinyl_other.create(owner="cancelled")
            started.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(cancelled_inside())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert owners() == []
    # Back when the task ended. pool_size also counts connections the pool may be opening
    # in the background to reach min_size; give those (not the cancelled one) a moment.
    for _ in range(250):
        stats = await _pool_stats("other")
        if stats["pool_available"] == stats["pool_size"]:
            break
        await asyncio.sleep(0.02)
    assert stats["pool_available"] == stats["pool_size"], stats


# -- on_commit --------------------------------------------------------------------------


async def test_on_commit_runs_after_the_outermost_commit_in_order(db):
    calls = []

    async def async_callback(name):
        calls.append(name)

    async with atomic():
        await on_commit(lambda: calls.append("sync 1"))
        await on_commit(lambda: async_callback("async 2"))
        async with atomic():
            await on_commit(lambda: calls.append("nested 3"))
        assert calls == []
        await on_commit(lambda: calls.append("sync 4"))
        await Account.vinyl.create(owner="x")
        assert calls == []
    assert calls == ["sync 1", "async 2", "nested 3", "sync 4"]

    django_calls = []  # Django, for reference
    with django_transaction.atomic():
        django_transaction.on_commit(lambda: django_calls.append("sync 1"))
        django_transaction.on_commit(lambda: django_calls.append("async 2"))
        with django_transaction.atomic():
            django_transaction.on_commit(lambda: django_calls.append("nested 3"))
        django_transaction.on_commit(lambda: django_calls.append("sync 4"))
    assert django_calls == calls


async def test_on_commit_callbacks_are_dropped_with_what_rolls_back(db):
    calls = []
    with pytest.raises(ZeroDivisionError):
        async with atomic():
            await on_commit(lambda: calls.append("rolled back"))
            raise ZeroDivisionError
    assert calls == []

    async with atomic():
        await on_commit(lambda: calls.append("outer"))
        with pytest.raises(ZeroDivisionError):
            async with atomic():
                await on_commit(lambda: calls.append("savepoint rolled back"))
                async with atomic():
                    await on_commit(lambda: calls.append("inside the rolled back savepoint"))
                raise ZeroDivisionError
        async with atomic():
            await on_commit(lambda: calls.append("savepoint kept"))
    assert calls == ["outer", "savepoint kept"]

    calls.clear()
    async with atomic():
        await on_commit(lambda: calls.append("set_rollback"))
        set_rollback(True)
    assert calls == []


async def test_on_commit_outside_atomic_runs_at_once(db):
    calls = []

    async def async_callback():
        calls.append("async")

    await on_commit(lambda: calls.append("sync"))
    await on_commit(async_callback)
    assert calls == ["sync", "async"]
    with pytest.raises(TypeError, match="on_commit"):
        await on_commit("not callable")


async def test_on_commit_robust_logs_and_goes_on(db, caplog):
    calls = []

    def failing():
        raise RuntimeError("callback failed")

    with caplog.at_level(logging.ERROR):
        async with atomic():
            await on_commit(failing, robust=True)
            await on_commit(lambda: calls.append("after the failure"))
            await Account.vinyl.create(owner="committed")
    assert calls == ["after the failure"]
    assert "callback failed" in caplog.text
    # Not robust: the error propagates after the commit (the data is committed).
    with pytest.raises(RuntimeError, match="callback failed"):
        async with atomic():
            await Account.vinyl.create(owner="committed too")
            await on_commit(failing)
    assert owners() == ["committed", "committed too"]


async def test_on_commit_callbacks_may_query_the_database(db):
    seen = []

    async def count_after_commit():
        seen.append(await Account.vinyl.count())

    async with atomic():
        await Account.vinyl.create(owner="one")
        await on_commit(count_after_commit)
    assert seen == [1]


# -- the connection belongs to the task ----------------------------------------------------


async def test_an_atomic_block_runs_on_one_connection(db):
    async with atomic():
        async with connection_for("default") as first:
            pass
        await Account.vinyl.create(owner="a")
        async with connection_for("default") as second:
            assert second is first
        async with atomic():
            async with connection_for("default") as nested:
                assert nested is first


async def test_concurrent_tasks_outside_atomic_never_share_a_connection(db):
    held = set()
    overlaps = []

    async def use_connection():
        async with connection_for("other") as conn:
            raw = id(conn.raw)
            assert raw not in held, "a connection was handed to two tasks at once"
            held.add(raw)
            overlaps.append(len(held))
            await sleep(0.01)
            await conn.execute("SELECT 1", None)
            held.discard(raw)

    results = await run_concurrently([use_connection for _ in range(20)])
    assert results == [None] * 20
    assert max(overlaps) > 1  # they did run at the same time


async def test_tasks_spawned_inside_atomic_do_not_join_it(db):
    seen = []

    async def spawned():
        seen.append(in_atomic_block())
        await Account.vinyl.create(owner="spawned, own transaction")

    with pytest.raises(ZeroDivisionError):
        async with atomic():
            assert in_atomic_block()
            assert await run_concurrently([spawned]) == [None]
            await Account.vinyl.create(owner="rolled back")
            raise ZeroDivisionError
    assert seen == [False]
    assert owners() == ["spawned, own transaction"]


async def test_200_concurrent_atomic_blocks_on_a_pool_of_5(db):
    """Each task moves money between two accounts and counts itself; all totals add up."""
    first = Account.objects.create(owner="first", balance=10_000)
    second = Account.objects.create(owner="second", balance=0)
    Counter.objects.create(name="done", value=0)
    tasks = 200

    async def transfer(i):
        async with atomic(using="other"):
            await Account.vinyl_other.filter(pk=first.pk).update(balance=F("balance") - i)
            await Account.vinyl_other.create(owner=f"task {i}", balance=i, tag="transfer")
            await Account.vinyl_other.filter(pk=second.pk).update(balance=F("balance") + i)
            await Counter.vinyl.using("other").filter(name="done").update(value=F("value") + 1)
        return i

    results = await run_concurrently([lambda i=i: transfer(i) for i in range(tasks)])
    assert results == list(range(tasks))
    moved = sum(range(tasks))
    assert Account.objects.get(pk=first.pk).balance == 10_000 - moved
    assert Account.objects.get(pk=second.pk).balance == moved
    assert Account.objects.filter(tag="transfer").count() == tasks
    assert Counter.objects.get(name="done").value == tasks
    stats = await _pool_stats("other")
    assert stats["pool_size"] <= 5
    print(
        f"{tasks} concurrent atomic blocks on a pool of 5: all committed, totals exact; pool {stats}"
    )


async def _pool_stats(alias):
    from vinyl_async.connections import get_database

    return get_database(alias).pool.get_stats()
