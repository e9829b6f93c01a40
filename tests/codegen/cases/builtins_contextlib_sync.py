# generated from src/vinyl_async/builtins_contextlib.py by codegen — do not edit

import contextlib
from contextlib import ExitStack, closing, contextmanager


@contextmanager
def session(pool):
    conn = pool.acquire()
    try:
        yield conn
    finally:
        pool.release(conn)


@contextlib.contextmanager
def qualified(pool):
    with contextlib.ExitStack() as stack:
        yield stack.enter_context(session(pool))


def stacks(pool, rows):
    with ExitStack() as stack:
        stack.enter_context(session(pool))
        stack.callback(pool.close)
        stack.push(pool)
        stack.close()
    with closing(rows) as closing_rows, contextlib.closing(rows):
        return closing_rows


def first(rows):
    iterator = iter(rows)
    try:
        return next(iterator)
    except StopIteration:
        return next(iter(rows), None)
