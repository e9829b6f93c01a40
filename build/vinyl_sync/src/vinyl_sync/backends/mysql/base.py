# generated from src/vinyl_async/backends/mysql/base.py by codegen — do not edit

"""``DatabaseWrapper`` of the ``vinyl_sync.backends.mysql`` ENGINE.

A subclass of Django's MySQL ``DatabaseWrapper`` that changes nothing: Django's sync
connection (``manage.py``, ``M.objects``) works as with ``django.db.backends.mysql``,
and vinyl talks to the same alias through PyMySQL. PyMySQL stands in for mysqlclient
(``MySQLdb``) when mysqlclient is not installed; that must happen before Django's
backend module is imported, hence the order below. Django reaches the backend's other
parts (client, creation, features, introspection, operations, schema editor) through
class attributes of ``DatabaseWrapper``, so this one class is all an ENGINE module
needs.
"""

from __future__ import annotations

from ._mysqldb import install_pymysql_as_mysqldb

install_pymysql_as_mysqldb()

from django.db.backends.mysql import base as _django_base  # noqa: E402


class DatabaseWrapper(_django_base.DatabaseWrapper):
    pass
