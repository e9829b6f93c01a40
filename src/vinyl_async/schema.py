"""Quick-start DDL: tables from Django's schema editor SQL, run on vinyl's connection.

For applications and tests without migrations. Projects with migrations keep
using ``manage.py migrate``. The SQL is exactly what Django's schema editor
generates (it is collected, not executed, by Django) and runs in one transaction
where the backend's DDL is transactional.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, router
from django.db.models import Model

from .connections import connection_for, get_database
from .transaction import atomic

__all__ = ["create_tables", "drop_tables", "schema_sql"]


def _concrete(models: tuple[type[Model], ...]) -> list[type[Model]]:
    result = []
    for model in models:
        model = model._meta.concrete_model
        if model._meta.proxy or not model._meta.managed:
            continue
        if model not in result:
            result.append(model)
    return result


def _tables(model: type[Model]) -> list[str]:
    """The model's table and its auto-created many-to-many tables."""
    tables = [model._meta.db_table]
    for field in model._meta.local_many_to_many:
        through = field.remote_field.through
        if through._meta.auto_created:
            tables.append(through._meta.db_table)
    return tables


def schema_sql(
    *models: type[Model], using: str = DEFAULT_DB_ALIAS, drop: bool = False
) -> list[str]:
    """The statements Django's schema editor would run to create (or drop) *models*.

    Proxy and unmanaged models are skipped; auto-created many-to-many tables are
    included. Raises ConfigurationError (also Django's ConnectionDoesNotExist) if
    *using* is not in DATABASES.
    """
    wrapper = get_database(using).wrapper
    if drop:
        # Django's own DROP statement; built here because the editor's execute() would
        # open Django's connection to merge (empty) parameters on some backends.
        editor_class = wrapper.SchemaEditorClass
        quote = wrapper.ops.quote_name
        return [
            editor_class.sql_delete_table % {"table": quote(table)}
            for model in reversed(_concrete(models))
            for table in reversed(_tables(model))
        ]
    # The editor is not entered: entering it would touch Django's connection (SQLite
    # disables constraint checks there). Collecting needs only what __enter__ sets up.
    editor = wrapper.SchemaEditorClass(wrapper, collect_sql=True, atomic=False)
    editor.deferred_sql = []
    for model in _concrete(models):
        editor.create_model(model)
    for statement in editor.deferred_sql:
        editor.execute(str(statement), None)
    return [statement.rstrip(";") for statement in editor.collected_sql]


async def _run(statements: list[str], using: str) -> None:
    transactional = get_database(using).wrapper.features.can_rollback_ddl
    if transactional:
        async with atomic(using=using):
            async with connection_for(using) as conn:
                for statement in statements:
                    await conn.execute(statement, None)
    else:
        async with connection_for(using) as conn:
            for statement in statements:
                await conn.execute(statement, None)


async def create_tables(*models: Any, using: str | None = None) -> None:
    """Create the tables of *models* (and their auto-created M2M tables), with indexes
    and constraints, as Django's schema editor creates them.

    For quick starts, scripts and tests; projects with migrations use ``manage.py
    migrate``. *using* defaults to the router's write database of the first model.
    Pass related models together, referenced ones first. Runs in one transaction
    where the backend's DDL is transactional (PostgreSQL, SQLite), so a failure
    (e.g. a table that already exists: Django's ProgrammingError/OperationalError)
    leaves nothing behind there; on MySQL the statements before the failure stay.
    """
    alias = using or (router.db_for_write(models[0]) if models else DEFAULT_DB_ALIAS)
    await _run(schema_sql(*models, using=alias), alias)


async def drop_tables(*models: Any, using: str | None = None) -> None:
    """Drop the tables of *models* and their auto-created M2M tables.

    Tables are dropped in the reverse of the given order, so pass models as for
    :func:`create_tables`. A missing table raises the driver's error as Django's
    (transactional backends then drop nothing).
    """
    alias = using or (router.db_for_write(models[0]) if models else DEFAULT_DB_ALIAS)
    await _run(schema_sql(*models, using=alias, drop=True), alias)
