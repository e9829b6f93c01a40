# generated from src/vinyl_async/names.py by codegen — do not edit

"""Drivers, event-loop primitives and the package itself, through every import style."""

from __future__ import annotations

import sqlite3 as sqlite_driver
import threading
import time
from threading import Event
from threading import Semaphore as Gate
from time import sleep

import psycopg
import psycopg_pool
import pymysql
from psycopg import ClientCursor as ClientCursorType
from psycopg import Connection, Cursor, Transaction
from psycopg_pool import NullConnectionPool

import vinyl_sync
import vinyl_sync.backends.postgresql
from vinyl_sync.connections import checkout
from vinyl_sync.exceptions import ConfigurationError

from . import _compat
from .options import VinylOptions

ENGINE = "vinyl_sync.backends.postgresql"


class Pool:
    def __init__(self, options: VinylOptions) -> None:
        self.lock = threading.Lock()
        self.ready = Event()
        self.changed = threading.Condition(self.lock)
        self.gate = Gate(options.max_size)
        self.pool = psycopg_pool.ConnectionPool(min_size=0)
        self.null_pool = NullConnectionPool()

    def connect(self, dsn: str) -> Connection:
        sleep(0)
        time.sleep(0.1)
        conn = psycopg.Connection.connect(dsn, cursor_factory=psycopg.RawCursor)
        cursor: Cursor = conn.cursor()
        other: ClientCursorType | psycopg.ServerCursor | None = None
        with conn.transaction() as tx:
            assert isinstance(tx, Transaction)
        with conn.pipeline() as pipeline:
            assert isinstance(pipeline, psycopg.Pipeline)
        return conn, cursor, other

    def legacy(self) -> None:
        pymysql.connect(host="localhost")
        db = sqlite_driver.connect(":memory:")
        _compat.sleep(0)
        vinyl_sync.configure(databases={})
        vinyl_sync.backends.postgresql.DatabaseWrapper  # noqa: B018
        with checkout("default") as conn:
            raise ConfigurationError(f"no {conn} for {vinyl_sync.__name__}", db)
