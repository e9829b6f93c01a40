"""codegen: generate vinyl_sync (and tests/sync_) from vinyl_async (and tests/async_).

``python -m codegen`` regenerates; ``--check`` fails (exit 1, with a diff) when a generated
file differs from what its source generates; ``--diff`` only prints. Inputs and outputs:
``src/vinyl_async/**`` → ``build/vinyl_sync/src/vinyl_sync/**`` and ``tests/async_/**`` →
``tests/sync_/**`` (.py files transformed, other files copied), plus
``build/vinyl_sync/{pyproject.toml,README.md}`` from ``codegen/templates/`` and ``LICENSE``.
Each .py output starts with a "generated from … — do not edit" header and is formatted by the
pinned ruff, so the bytes are the same on every machine and Python 3.11–3.13.

Rules (``transform.py``; every name comes from ``names.py``, nothing is guessed):

- ``async def``/``async for``/``async with``/async comprehensions → sync forms;
  ``await x`` → ``x`` (parentheses kept where the operand needs them).
- ``__aenter__/__aexit__/__aiter__/__anext__`` → ``__enter__/__exit__/__iter__/__next__``
  (definitions and references); ``def __await__`` is deleted; the listed library methods
  (``aclose``, ``AsyncExitStack.enter_async_context``…) and vinyl a-methods are renamed.
- ``names.NAMES`` maps qualified names uniformly across ``import x``, ``from x import y``,
  dotted chains, bare names and builtins (``anext``→``next``, ``StopAsyncIteration``,
  ``contextlib.asynccontextmanager``, ``asyncio.Lock``→``threading.Lock``, drivers,
  ``pytest_asyncio.fixture``, ``vinyl_async``→``vinyl_sync``, ``tests.async_``→``tests.sync_``…);
  imports follow: new ones are added, orphaned ones removed. The package names are also
  replaced inside string literals (dotted paths, messages, docstrings).
- typing: ``AsyncIterator/AsyncIterable`` → ``Iterator/Iterable``, ``AsyncGenerator[Y, S]`` →
  ``Generator[Y, S, None]``, ``Awaitable[T]``/``Coroutine[A, B, T]`` → ``T``, in string
  annotations too.
- pytest: ``@pytest.mark.asyncio`` and ``pytestmark = pytest.mark.asyncio`` (or that list
  item) are removed; ``loop_scope=`` is dropped from ``pytest_asyncio.fixture``.
- markers from ``vinyl_async._compat``: ``if IS_ASYNC: A else: B`` → ``B`` (``if not
  IS_ASYNC`` keeps ``A``; elif links too), ``X if IS_ASYNC else Y`` → ``Y``, ``@async_only``
  drops the definition, ``IS_ASYNC = True`` → ``False``; other uses of the markers fail.
- strict: leftover ``await``/``async``, ``asyncio``, ``Async*`` names, ``aiomysql``,
  ``aiosqlite``, ``pytest_asyncio`` (hence ``pytest.mark.asyncio``) are errors naming the
  source ``file:line``; the CLI prints them all and writes nothing.

Exit status of the CLI: 0 done / up to date, 1 ``--check`` found a difference, 2 errors.
"""

from .project import generate_python
from .transform import CodegenError, Problem, transform_module

__all__ = ["CodegenError", "Problem", "generate_python", "transform_module"]
