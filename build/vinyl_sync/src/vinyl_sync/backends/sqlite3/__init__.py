# generated from src/vinyl_async/backends/sqlite3/__init__.py by codegen — do not edit

"""Django ENGINE ``vinyl_sync.backends.sqlite3``: Django's SQLite backend, for vinyl.

Django loads ``<ENGINE>.base`` and instantiates its ``DatabaseWrapper``.
"""
