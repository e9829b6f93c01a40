"""Django ENGINE ``vinyl_async.backends.sqlite3``: Django's SQLite backend, for vinyl.

Django loads ``<ENGINE>.base`` and instantiates its ``DatabaseWrapper``.
"""
