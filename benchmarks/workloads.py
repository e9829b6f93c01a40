"""Workloads, data sizes, and the parameters each operation uses.

Every system runs the same operation for the same op index ``i`` with the same
parameters (``author_id(i)``, ``group(i)``, ...), so parameters change from one
operation to the next (a cache keyed by query shape sees new values every time)
while the measured work is identical across systems.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

N_AUTHORS = 2_000
BOOKS_PER_AUTHOR = 10
N_BOOKS = N_AUTHORS * BOOKS_PER_AUTHOR
N_GROUPS = N_BOOKS // 100  # filter100: 100 books per group
N_BLOCKS = 64  # update1000: disjoint blocks of counters, so concurrent ops rarely share rows
BLOCK_SIZE = 1_000
N_COUNTERS = N_BLOCKS * BLOCK_SIZE
PREFETCH_AUTHORS = 10  # prefetch: 10 authors and their 100 books
VALUES_ROWS = 1_000

CREATED = datetime.datetime(2024, 1, 1, 12, 0, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Workload:
    name: str
    title: str


WORKLOADS = (
    Workload("get_pk", "get by pk"),
    Workload("filter100", "filter → 100 model instances"),
    Workload("create", "create one row"),
    Workload("update_pk", "update by pk (filter(pk=…).update())"),
    Workload("prefetch", "10 authors + their 100 books (prefetch 1→N)"),
    Workload("values_list1000", "values_list of 1,000 rows"),
    Workload("update1000", "1,000 updates by pk, one by one"),
    Workload("update1000_batch", "the same 1,000 updates in one batch"),
)
WORKLOAD_NAMES = tuple(w.name for w in WORKLOADS)


def by_name(name: str) -> Workload:
    for workload in WORKLOADS:
        if workload.name == name:
            return workload
    raise KeyError(f"unknown workload {name!r}; known: {', '.join(WORKLOAD_NAMES)}")


def author_id(i: int) -> int:
    return 1 + (i * 7919) % N_AUTHORS


def group(i: int) -> int:
    return (i * 31) % N_GROUPS


def counter_id(i: int) -> int:
    return 1 + (i * 7919) % N_COUNTERS


def prefetch_range(i: int) -> tuple[int, int]:
    """Author ids [start, stop) of a prefetch operation."""
    start = 1 + ((i * 37) % (N_AUTHORS // PREFETCH_AUTHORS)) * PREFETCH_AUTHORS
    return start, start + PREFETCH_AUTHORS


def values_range(i: int) -> tuple[int, int]:
    """Book ids [start, stop) of a values_list operation."""
    start = 1 + ((i * 7) % (N_BOOKS // VALUES_ROWS)) * VALUES_ROWS
    return start, start + VALUES_ROWS


def update_block(i: int, size: int) -> range:
    """The counter ids a many-updates operation updates, one by one, in this order."""
    start = 1 + (i % N_BLOCKS) * BLOCK_SIZE
    return range(start, start + size)
