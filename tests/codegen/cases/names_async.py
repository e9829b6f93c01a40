"""Drivers, event-loop primitives and the package itself, through every import style."""

from __future__ import annotations

import asyncio
import asyncio as aio
from asyncio import Event, sleep
from asyncio import Semaphore as Gate

import aiomysql
import aiosqlite as sqlite_driver
import psycopg
import psycopg_pool
from psycopg import AsyncConnection, AsyncCursor, AsyncTransaction
from psycopg import AsyncClientCursor as ClientCursorType
from psycopg_pool import AsyncNullConnectionPool

import vinyl_async
import vinyl_async.backends.postgresql
from vinyl_async.connections import checkout
from vinyl_async.exceptions import ConfigurationError

from . import _compat
from .options import VinylOptions

ENGINE = "vinyl_async.backends.postgresql"


class Pool:
    def __init__(self, options: VinylOptions) -> None:
        self.lock = asyncio.Lock()
        self.ready = Event()
        self.changed = aio.Condition(self.lock)
        self.gate = Gate(options.max_size)
        self.pool = psycopg_pool.AsyncConnectionPool(min_size=0)
        self.null_pool = AsyncNullConnectionPool()

    async def connect(self, dsn: str) -> AsyncConnection:
        await sleep(0)
        await asyncio.sleep(0.1)
        conn = await psycopg.AsyncConnection.connect(dsn, cursor_factory=psycopg.AsyncRawCursor)
        cursor: AsyncCursor = conn.cursor()
        other: ClientCursorType | psycopg.AsyncServerCursor | None = None
        async with conn.transaction() as tx:
            assert isinstance(tx, AsyncTransaction)
        async with conn.pipeline() as pipeline:
            assert isinstance(pipeline, psycopg.AsyncPipeline)
        return conn, cursor, other

    async def legacy(self) -> None:
        await aiomysql.connect(host="localhost")
        db = await sqlite_driver.connect(":memory:")
        await _compat.sleep(0)
        vinyl_async.configure(databases={})
        vinyl_async.backends.postgresql.DatabaseWrapper  # noqa: B018
        async with checkout("default") as conn:
            raise ConfigurationError(f"no {conn} for {vinyl_async.__name__}", db)
