"""PyMySQL standing in for ``MySQLdb`` (mysqlclient) under Django's MySQL backend.

``django.db.backends.mysql.base`` imports ``MySQLdb`` when it is first loaded and
refuses to load if its ``version_info`` is too old (Django 5.2: mysqlclient >= 1.4.3;
Django 6.x: >= 2.2.1). vinyl talks to MySQL/MariaDB through aiomysql (sync twin:
PyMySQL), which needs no C build, so a project using vinyl may have no mysqlclient at
all. :func:`install_pymysql_as_mysqldb` then registers PyMySQL as ``MySQLdb`` with a
version Django accepts, so Django's backend (``manage.py migrate``, ``M.objects``,
the SQL compiler vinyl uses) runs on PyMySQL.

It must run before Django's MySQL backend module is imported (Django imports it when
a ``django.db.backends.mysql`` connection is first created). A real mysqlclient, when
importable, is always left in place.
"""

from __future__ import annotations

import sys

__all__ = ["MYSQLCLIENT_VERSION", "install_pymysql_as_mysqldb"]

#: The mysqlclient version PyMySQL claims to be, if it claims less.
#: Django 6.x requires >= 2.2.1 (Django 5.2: >= 1.4.3).
MYSQLCLIENT_VERSION = (2, 2, 7, "final", 0)


def install_pymysql_as_mysqldb() -> bool:
    """Make ``import MySQLdb`` give PyMySQL unless mysqlclient is importable.

    Returns True if ``MySQLdb`` is importable afterwards (mysqlclient or PyMySQL),
    False if neither is installed (Django's backend then raises its own
    ImproperlyConfigured). Idempotent and cheap: call it wherever Django's MySQL
    backend may be loaded next.
    """
    mysqldb = sys.modules.get("MySQLdb")
    if mysqldb is None:
        try:
            import MySQLdb as mysqldb  # a real mysqlclient wins
        except ImportError:
            try:
                import pymysql
            except ImportError:
                return False
            pymysql.install_as_MySQLdb()
            mysqldb = pymysql
    if mysqldb.__name__ == "pymysql":
        _complete(mysqldb)
    return True


def _complete(pymysql: object) -> None:
    # Django checks ``MySQLdb.version_info`` and names ``MySQLdb.__version__`` in the
    # error. Recent PyMySQL releases already claim 2.2.x; older ones claim 1.4.x.
    if tuple(pymysql.version_info[:3]) < MYSQLCLIENT_VERSION[:3]:  # type: ignore[attr-defined]
        pymysql.version_info = MYSQLCLIENT_VERSION  # type: ignore[attr-defined]
        pymysql.__version__ = ".".join(map(str, MYSQLCLIENT_VERSION[:3]))  # type: ignore[attr-defined]
    # ``from MySQLdb.constants import CLIENT`` / ``from MySQLdb.converters import
    # conversions`` would otherwise load second copies of PyMySQL's submodules under
    # ``MySQLdb.*`` (with their own ``err`` exception classes): alias the loaded ones.
    for name, module in list(sys.modules.items()):
        if name.startswith("pymysql.") and module is not None:
            sys.modules.setdefault("MySQLdb." + name[len("pymysql.") :], module)
