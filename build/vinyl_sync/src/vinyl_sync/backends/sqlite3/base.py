# generated from src/vinyl_async/backends/sqlite3/base.py by codegen — do not edit

"""``DatabaseWrapper`` of the ``vinyl_sync.backends.sqlite3`` ENGINE.

A subclass of Django's SQLite ``DatabaseWrapper`` that changes nothing: Django's sync
connection (``manage.py``, ``M.objects``) works as with ``django.db.backends.sqlite3``,
and vinyl opens its own connections to the same database file. Django reaches the
backend's other parts (client, creation, features, introspection, operations, schema
editor) through class attributes of ``DatabaseWrapper``, so this one class is all an
ENGINE module needs.
"""

from __future__ import annotations

from django.db.backends.sqlite3 import base as _django_base


class DatabaseWrapper(_django_base.DatabaseWrapper):
    pass
