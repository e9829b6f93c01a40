# generated from src/vinyl_async/__init__.py by codegen — do not edit

"""vinyl_sync: a natively async ORM for Django models.

Declare ``vinyl = VinylManager()`` on a Django model and query it with
``Model.vinyl.filter(...)``. SQL is built by Django's compiler; vinyl runs
it on its own pooled connections (psycopg 3, PyMySQL, sqlite3).
"""

from .backends.mysql._mysqldb import install_pymysql_as_mysqldb

# Django's MySQL backend imports MySQLdb; PyMySQL (PyMySQL's base) stands in for it
# when mysqlclient is not installed. Cheap, idempotent, and must precede Django's import.
install_pymysql_as_mysqldb()

from . import execution as _execution  # noqa: E402, F401  (installs the statement hooks)
from .__about__ import __version__  # noqa: E402
from .batch import batch  # noqa: E402
from .conf import configure  # noqa: E402
from .connections import close_pools, observe_statements  # noqa: E402
from .exceptions import ConfigurationError, NotFetched, PoolTimeout  # noqa: E402
from .manager import VinylManager  # noqa: E402
from .prefetch import prefetch_related_objects  # noqa: E402
from .query import QuerySet  # noqa: E402
from .schema import create_tables, drop_tables  # noqa: E402
from .transaction import atomic, get_rollback, on_commit, set_rollback  # noqa: E402

__all__ = [
    "ConfigurationError",
    "NotFetched",
    "PoolTimeout",
    "QuerySet",
    "VinylManager",
    "__version__",
    "atomic",
    "batch",
    "close_pools",
    "configure",
    "create_tables",
    "drop_tables",
    "get_rollback",
    "observe_statements",
    "on_commit",
    "prefetch_related_objects",
    "set_rollback",
]
