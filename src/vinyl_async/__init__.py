"""vinyl_async: a natively async ORM for Django models.

Declare ``vinyl = VinylManager()`` on a Django model and query it with
``await Model.vinyl.filter(...)``. SQL is built by Django's compiler; vinyl runs
it on its own pooled connections (psycopg 3, aiomysql, aiosqlite).
"""

from . import execution as _execution  # noqa: F401  (installs the statement hooks)
from .backends.mysql._mysqldb import install_pymysql_as_mysqldb

# Django's MySQL backend imports MySQLdb; PyMySQL (aiomysql's base) stands in for it
# when mysqlclient is not installed. Cheap, idempotent, and must precede Django's import.
install_pymysql_as_mysqldb()
from .__about__ import __version__
from .conf import configure
from .connections import close_pools, observe_statements
from .exceptions import ConfigurationError, NotFetched, PoolTimeout
from .manager import VinylManager
from .query import QuerySet
from .schema import create_tables, drop_tables
from .transaction import atomic, on_commit

__all__ = [
    "ConfigurationError",
    "NotFetched",
    "PoolTimeout",
    "QuerySet",
    "VinylManager",
    "__version__",
    "atomic",
    "close_pools",
    "configure",
    "create_tables",
    "drop_tables",
    "observe_statements",
    "on_commit",
]
