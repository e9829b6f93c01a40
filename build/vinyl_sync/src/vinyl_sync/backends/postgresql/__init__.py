# generated from src/vinyl_async/backends/postgresql/__init__.py by codegen — do not edit

"""Django ENGINE ``vinyl_sync.backends.postgresql``: Django's PostgreSQL backend, for vinyl.

Django loads ``<ENGINE>.base`` and instantiates its ``DatabaseWrapper``.
"""
