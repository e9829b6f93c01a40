"""Django ENGINE ``vinyl_async.backends.postgresql``: Django's PostgreSQL backend, for vinyl.

Django loads ``<ENGINE>.base`` and instantiates its ``DatabaseWrapper``.
"""
