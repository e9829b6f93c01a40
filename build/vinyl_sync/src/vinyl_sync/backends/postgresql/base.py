# generated from src/vinyl_async/backends/postgresql/base.py by codegen — do not edit

"""``DatabaseWrapper`` of the ``vinyl_sync.backends.postgresql`` ENGINE.

A subclass of Django's PostgreSQL ``DatabaseWrapper`` that changes nothing: Django's
sync connection (``manage.py``, ``M.objects``) works as with
``django.db.backends.postgresql``, and vinyl talks to the same alias through psycopg's
async connections. Django reaches the backend's other parts (client, creation,
features, introspection, operations, schema editor) through class attributes of
``DatabaseWrapper``, so this one class is all an ENGINE module needs.
"""

from __future__ import annotations

from django.db.backends.postgresql import base as _django_base


class DatabaseWrapper(_django_base.DatabaseWrapper):
    pass
