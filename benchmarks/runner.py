"""Measuring one cell: a system running a workload at a concurrency.

Async systems run ``concurrency`` tasks on one event loop; sync systems run
``concurrency`` threads from a pool of worker threads kept for the whole run (as a
WSGI server keeps its threads). Workers take op indices from a shared counter and
keep going until the cell's time is up and at least ``min_ops`` operations were
started; the operations in flight then finish. A cell is time-boxed rather than a
fixed number of operations so that a fast system and one 20× slower both get a
measurement of similar length.

Wall time is ``time.perf_counter`` from the start until the last operation finishes;
client CPU is ``time.process_time`` (every thread of this process, the database
server excluded) over the same window.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

MAX_CONCURRENCY = 32


@dataclass(frozen=True)
class Sample:
    ops: int
    seconds: float
    cpu_seconds: float

    @property
    def ops_per_second(self) -> float:
        return self.ops / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_us_per_op(self) -> float:
        return self.cpu_seconds / self.ops * 1e6 if self.ops else 0.0


class Runner:
    """Runs operations of async systems on one event loop, of sync systems on threads."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.threads = ThreadPoolExecutor(MAX_CONCURRENCY, thread_name_prefix="bench")

    def close(self) -> None:
        self.threads.shutdown(wait=True)
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    def call(self, fn: Callable[[], Any], is_async: bool) -> Any:
        """Run *fn* on the loop (awaiting what it returns) or on a worker thread; its result."""
        if is_async:

            async def on_loop() -> Any:
                result = fn()
                return await result if inspect.isawaitable(result) else result

            return self.loop.run_until_complete(on_loop())
        return self.threads.submit(fn).result()

    def measure(
        self,
        op: Callable[[int], Any],
        is_async: bool,
        *,
        concurrency: int,
        first: int,
        seconds: float,
        min_ops: int,
    ) -> Sample:
        """Run op(first), op(first + 1), … with *concurrency* workers for about *seconds*
        (and at least *min_ops* operations). The first exception stops the cell."""
        if is_async:
            return self.loop.run_until_complete(
                _measure_async(op, concurrency, first, seconds, min_ops)
            )
        return _measure_threads(self.threads, op, concurrency, first, seconds, min_ops)


async def _measure_async(
    op: Callable[[int], Any], concurrency: int, first: int, seconds: float, min_ops: int
) -> Sample:
    counter = itertools.count(first)
    must_start = first + min_ops
    done = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    deadline = started + seconds

    async def worker() -> None:
        nonlocal done
        for i in counter:
            if i >= must_start and time.perf_counter() >= deadline:
                return
            await op(i)
            done += 1

    try:
        # A TaskGroup cancels the other workers when one fails.
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return Sample(done, time.perf_counter() - started, time.process_time() - cpu_started)


def _measure_threads(
    threads: ThreadPoolExecutor,
    op: Callable[[int], Any],
    concurrency: int,
    first: int,
    seconds: float,
    min_ops: int,
) -> Sample:
    counter = itertools.count(first)  # next() on itertools.count is atomic under the GIL
    must_start = first + min_ops
    barrier = threading.Barrier(concurrency + 1)
    failed = threading.Event()
    deadline = 0.0

    def worker() -> int:
        done = 0
        barrier.wait()
        for i in counter:
            if failed.is_set() or (i >= must_start and time.perf_counter() >= deadline):
                return done
            try:
                op(i)
            except BaseException:
                failed.set()  # the other workers stop at their next operation
                raise
            done += 1
        return done

    futures = [threads.submit(worker) for _ in range(concurrency)]
    started, cpu_started = time.perf_counter(), time.process_time()
    deadline = started + seconds
    barrier.wait()  # every worker is ready: go
    done = sum(future.result() for future in futures)
    return Sample(done, time.perf_counter() - started, time.process_time() - cpu_started)
