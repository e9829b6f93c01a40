import contextlib
from contextlib import AsyncExitStack, aclosing, asynccontextmanager


@asynccontextmanager
async def session(pool):
    conn = await pool.acquire()
    try:
        yield conn
    finally:
        await pool.release(conn)


@contextlib.asynccontextmanager
async def qualified(pool):
    async with contextlib.AsyncExitStack() as stack:
        yield await stack.enter_async_context(session(pool))


async def stacks(pool, rows):
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(session(pool))
        stack.push_async_callback(pool.close)
        stack.push_async_exit(pool)
        await stack.aclose()
    async with aclosing(rows) as closing_rows, contextlib.aclosing(rows):
        return closing_rows


async def first(rows):
    iterator = aiter(rows)
    try:
        return await anext(iterator)
    except StopAsyncIteration:
        return await anext(aiter(rows), None)
