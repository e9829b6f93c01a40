"""The name tables of the async → sync transformation: the only place names are mapped.

Everything the transformer renames comes from here; nothing is guessed from an ``a``/``Async``
prefix. A name with no entry that still looks async after the transformation is an error
(see ``LEFTOVER_NAMES``), so a missing entry shows up as a codegen failure, never as a
silently broken sync package.

``NAMES`` maps *fully qualified* names. The transformer resolves every reference to its
qualified name through the module's imports (``import x``, ``import x as y``,
``from x import y``, relative imports, module-level definitions, builtins as ``builtins.X``),
looks up the longest mapped prefix and re-expresses the result in the sync module. So one
entry covers every spelling:

- ``"asyncio.Lock": "threading.Lock"`` rewrites ``asyncio.Lock()`` → ``threading.Lock()``
  (adding ``import threading`` and dropping the now unused ``import asyncio``) and
  ``from asyncio import Lock`` → ``from threading import Lock``;
- ``"vinyl_async": "vinyl_sync"`` (a module entry) rewrites ``import vinyl_async.x``,
  ``from vinyl_async.x import y`` and ``vinyl_async.x.y`` chains; the same word is also
  replaced inside string literals (``STRING_WORDS``);
- ``"builtins.anext": "builtins.next"`` rewrites the bare builtin ``anext(...)``;
- ``"typing.AsyncIterator": "typing.Iterator"`` renames the import and every
  ``AsyncIterator[...]`` reference, string annotations included.

A value is always ``module.attribute`` (or a module for module entries): when the target
lives in another module than the source binding, the transformer spells it out in full
and imports the part before the last dot.
"""

from __future__ import annotations

NAMES: dict[str, str] = {
    # -- the packages themselves (module entries: everything below them follows) --------
    "vinyl_async": "vinyl_sync",
    "tests.async_": "tests.sync_",
    # -- builtins ------------------------------------------------------------------------
    "builtins.anext": "builtins.next",
    "builtins.aiter": "builtins.iter",
    "builtins.StopAsyncIteration": "builtins.StopIteration",
    # -- contextlib ------------------------------------------------------------------------
    "contextlib.asynccontextmanager": "contextlib.contextmanager",
    "contextlib.aclosing": "contextlib.closing",
    "contextlib.AsyncExitStack": "contextlib.ExitStack",
    "contextlib.AbstractAsyncContextManager": "contextlib.AbstractContextManager",
    # -- typing / collections.abc (Awaitable, Coroutine, AsyncGenerator: see below) --------
    "typing.AsyncIterator": "typing.Iterator",
    "typing.AsyncIterable": "typing.Iterable",
    "typing.AsyncGenerator": "typing.Generator",
    "typing.AsyncContextManager": "typing.ContextManager",
    "collections.abc.AsyncIterator": "collections.abc.Iterator",
    "collections.abc.AsyncIterable": "collections.abc.Iterable",
    "collections.abc.AsyncGenerator": "collections.abc.Generator",
    # -- asyncio primitives with a thread-based twin ----------------------------------------
    "asyncio.Lock": "threading.Lock",
    "asyncio.Event": "threading.Event",
    "asyncio.Condition": "threading.Condition",
    "asyncio.Semaphore": "threading.Semaphore",
    "asyncio.BoundedSemaphore": "threading.BoundedSemaphore",
    "asyncio.sleep": "time.sleep",
    "asyncio.Queue": "queue.Queue",
    "asyncio.QueueEmpty": "queue.Empty",
    "asyncio.QueueFull": "queue.Full",
    "asyncio.TimeoutError": "builtins.TimeoutError",
    # -- drivers -------------------------------------------------------------------------
    "psycopg.AsyncConnection": "psycopg.Connection",
    "psycopg.AsyncCursor": "psycopg.Cursor",
    "psycopg.AsyncClientCursor": "psycopg.ClientCursor",
    "psycopg.AsyncServerCursor": "psycopg.ServerCursor",
    "psycopg.AsyncRawCursor": "psycopg.RawCursor",
    "psycopg.AsyncPipeline": "psycopg.Pipeline",
    "psycopg.AsyncTransaction": "psycopg.Transaction",
    "psycopg.AsyncCopy": "psycopg.Copy",
    "psycopg.rows.AsyncRowFactory": "psycopg.rows.RowFactory",
    "psycopg_pool.AsyncConnectionPool": "psycopg_pool.ConnectionPool",
    "psycopg_pool.AsyncNullConnectionPool": "psycopg_pool.NullConnectionPool",
    "aiomysql": "pymysql",
    "aiosqlite": "sqlite3",
    # -- test tooling ----------------------------------------------------------------------
    "pytest_asyncio.fixture": "pytest.fixture",
    "django.test.AsyncClient": "django.test.Client",
    "django.test.AsyncRequestFactory": "django.test.RequestFactory",
}
"""Qualified name → qualified name (see the module docstring)."""

STRING_WORDS: tuple[str, ...] = ("vinyl_async", "tests.async_")
"""Keys of ``NAMES`` also replaced as whole words inside string literals.

Dotted paths in strings (``"vinyl_async.backends.postgresql"`` as a Django ENGINE,
``INSTALLED_APPS`` entries, docstrings) must follow the package rename.
"""

PROSE: tuple[tuple[str, str], ...] = (
    (r"\basync (def|with|for)\b", r"\1"),
    (r"\bawait ", ""),
    (r"\bAsyncConnectionPool\b", "ConnectionPool"),
    (r"\bAsyncConnection\b", "Connection"),
    (r"\baiosqlite\b", "sqlite3"),
    (r"\baiomysql\b", "PyMySQL"),
)
"""Regex → replacement applied to the text of every string literal (docstrings and
messages included), after ``STRING_WORDS``: what an async user is told ("use 'await
obj.author'") reads right to a sync user ("use 'obj.author'"). Order matters."""

STRING_LEFTOVER_PATTERN = r"\bawait |\basync def\b|\basyncio\b|\baiosqlite\b|\bAsyncConnection"
"""Async wording still inside a string of the sync output after ``PROSE``: an error
(rephrase the source string, or add a ``PROSE`` rule)."""

DUNDERS: dict[str, str] = {
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
}
"""Protocol methods: renamed where defined (``def``) and where referenced (``x.__aenter__``)."""

LIBRARY_METHODS: dict[str, str] = {
    "aclose": "close",  # async generators, AsyncExitStack; what aclosing() → closing() calls
    "enter_async_context": "enter_context",  # AsyncExitStack → ExitStack
    "push_async_exit": "push",
    "push_async_callback": "callback",
}
"""Methods of mapped library classes whose sync twin has another name, renamed like ``DUNDERS``.

Only names that mean the same thing wherever they appear belong here.
"""

DELETED_METHODS: frozenset[str] = frozenset({"__await__"})
"""Methods removed from the sync output (a sync QuerySet is evaluated by iteration)."""

VINYL_METHODS: dict[str, str] = {
    # "acount": "count",   # example: an a-prefixed vinyl method and its sync name
}
"""a-prefixed vinyl methods, renamed like ``DUNDERS`` (definitions and attribute references).

Only names listed here are renamed: an ``a``-prefix alone is never taken as a sign.
"""

UNWRAPPED_TYPES: dict[str, int] = {
    "typing.Awaitable": 0,
    "typing.Coroutine": 2,
    "collections.abc.Awaitable": 0,
    "collections.abc.Coroutine": 2,
}
"""Generic types replaced by their last argument (``Awaitable[T]`` → ``T``).

The value is the index of that argument (so the arity is one more). Unsubscripted, these names cannot be mapped and
are an error.
"""

GENERATOR_TYPES: frozenset[str] = frozenset(
    {"typing.AsyncGenerator", "collections.abc.AsyncGenerator"}
)
"""``AsyncGenerator[Y, S]`` → ``Generator[Y, S, None]`` (renamed by ``NAMES``, padded here)."""

REMOVED_DECORATORS: frozenset[str] = frozenset({"pytest.mark.asyncio"})
"""Decorators (bare or called) dropped from the sync output; also dropped from ``pytestmark``."""

DROPPED_KEYWORDS: dict[str, frozenset[str]] = {
    "pytest_asyncio.fixture": frozenset({"loop_scope"}),
}
"""Keyword arguments removed from calls of a mapped callable (no sync equivalent)."""

COMPAT_MODULE = "vinyl_async._compat"
IS_ASYNC = f"{COMPAT_MODULE}.IS_ASYNC"
ASYNC_ONLY = f"{COMPAT_MODULE}.async_only"
"""The markers (see ``vinyl_async._compat``)."""

LEFTOVER_NAMES: dict[str, str] = {
    "asyncio": "asyncio has no place in the sync package (map the name or use IS_ASYNC)",
    "aiomysql": "aiomysql has no place in the sync package",
    "aiosqlite": "aiosqlite has no place in the sync package",
    "pytest_asyncio": "pytest_asyncio has no place in the sync tests",
    "StopAsyncIteration": "StopAsyncIteration is left (shadowed or re-bound?)",
    "asynccontextmanager": "asynccontextmanager is left (imported from an unmapped module?)",
    "sync_to_async": "sync_to_async has no meaning in the sync package (use IS_ASYNC)",
    "async_to_sync": "async_to_sync has no meaning in the sync package (use IS_ASYNC)",
}
"""Identifiers that must not survive in sync output, with the reason shown to the user.

Besides these, any identifier matching ``LEFTOVER_PATTERN`` (``Async`` + capital letter, at
the start or after ``_``) is an error.
"""

LEFTOVER_PATTERN = r"(?:^|_)Async[A-Z]"
