# generated from src/vinyl_async/exceptions.py by codegen — do not edit

"""Errors vinyl adds to Django's, and the mapping of driver errors onto Django's."""

from __future__ import annotations

from typing import Any

from django.db import utils as django_db_utils
from django.db.utils import OperationalError
from django.utils.connection import ConnectionDoesNotExist

__all__ = [
    "ConfigurationError",
    "NotFetched",
    "PoolTimeout",
    "UnknownDatabaseAlias",
    "translate_driver_error",
]


class ConfigurationError(Exception):
    """vinyl is used before ``configure()``, or its settings are inconsistent."""


class UnknownDatabaseAlias(ConfigurationError, ConnectionDoesNotExist):
    """A ``using=`` / router alias that is not in ``DATABASES``.

    Also Django's ``ConnectionDoesNotExist``, which Django raises in the same case.
    """


class NotFetched(LookupError):
    """A relation was read with ``obj["name"]`` but was never fetched.

    Relations are never loaded lazily: either fetch them with the query
    (``select_related`` / ``prefetch_related``) or ``obj.name``.
    """


class PoolTimeout(OperationalError):
    """No connection became free within the pool's timeout."""


# Django's exception names, most specific first, as DatabaseErrorWrapper checks them.
_DJANGO_ERROR_NAMES = (
    "DataError",
    "OperationalError",
    "IntegrityError",
    "InternalError",
    "ProgrammingError",
    "NotSupportedError",
    "DatabaseError",
    "InterfaceError",
    "Error",
)


def translate_driver_error(exc: BaseException, database_module: Any) -> BaseException | None:
    """Return the Django exception a driver exception maps to, or None.

    This is the rule of ``django.db.utils.DatabaseErrorWrapper`` (driver class name
    → the ``django.db`` class of the same name), without its side effect of marking
    Django's own connection as broken: vinyl's connections are not Django's.
    """
    for name in _DJANGO_ERROR_NAMES:
        driver_class = getattr(database_module, name, None)
        if driver_class is not None and isinstance(exc, driver_class):
            django_class = getattr(django_db_utils, name)
            wrapped = django_class(*exc.args)
            wrapped.__cause__ = exc
            return wrapped
    return None
