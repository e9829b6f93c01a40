"""Saving and reloading instances: ``await obj.save()`` / ``await obj.refresh_from_db()``.

The decisions are Django's (``Model.save`` / ``save_base`` / ``_save_parents`` /
``_save_table`` / ``refresh_from_db``), for the Django version installed: UPDATE
when the primary key is set and the row exists, else INSERT; ``force_insert`` /
``force_update`` / ``update_fields``; deferred fields saved as an implicit
``update_fields``; parents of multi-table inheritance saved first, all of it
atomic. On Django ≥ 6.0 an UPDATE also reads back, with RETURNING where the
backend can, the fields whose new value the database computes (expressions,
generated fields), and failures raise ``Model.NotUpdated``; on 5.2 the UPDATE
returns nothing and failures raise ``DatabaseError``, as each version does.
The statements are built by Django's own ``QuerySet._update`` /
``QuerySet._insert`` and run on vinyl's connection. No signals are sent.

These functions take any instance of a Django model, not only vinyl instances:
``await save_instance(obj)`` saves a plain ``M`` instance through vinyl.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

import django
from django.db import DatabaseError, connections, router
from django.db.models import IntegerField, Max, Value
from django.db.models import QuerySet as DjangoQuerySet
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import DatabaseDefault, ExpressionWrapper
from django.db.models.functions import Coalesce
from django.db.models.sql import UpdateQuery

from .batch import write_only
from .connections import connection_for
from .execution import run_django
from .transaction import atomic

__all__ = [
    "database_features",
    "prepare_related_fields_for_save",
    "refresh_instance",
    "save_instance",
]

DJANGO_6 = django.VERSION >= (6, 0)
#: Django ≥ 6.0: ``_save_table`` reads back database-computed values of an UPDATE.
UPDATE_RETURNS_VALUES = "returning_fields" in inspect.signature(DjangoQuerySet._update).parameters


async def database_features(alias: str) -> Any:
    """Django's features of *alias*, with the server facts vinyl read applied.

    Some features (MySQL's storage engine, MariaDB's RETURNING, ...) depend on the
    server; checking a connection out gives Django's wrapper what vinyl read, so
    Django never opens its own connection to answer.
    """
    async with connection_for(alias):
        return connections[alias].features


def prepare_related_fields_for_save(obj: Any, operation_name: str, fields: Any = None) -> None:
    """Django's ``Model._prepare_related_fields_for_save``, reading relation caches.

    Raises ``ValueError`` if a related object assigned to *obj* has no primary key
    (Django's message, followed by the model, the field and the fix), so that a
    nullable foreign key is not silently saved as NULL.
    """
    opts = obj._meta
    for field in opts.concrete_fields:
        if fields and field not in fields:
            continue
        # Only an assigned (cached) related object can be unsaved.
        if not (field.is_relation and field.is_cached(obj)):
            continue
        related = field.get_cached_value(obj)
        if not related:
            continue
        if not related._is_pk_set():
            if not field.remote_field.multiple:
                field.remote_field.delete_cached_value(related)
            raise ValueError(
                f"{operation_name}() prohibited to prevent data loss due to unsaved related "
                f"object '{field.name}'. Save the {related._meta.object_name} first "
                f"({opts.object_name}.{field.name})."
            )
        if getattr(obj, field.attname) in field.empty_values:
            # The related object was saved after it was assigned: take its key now.
            setattr(obj, field.name, related)
        if getattr(related, field.target_field.attname) != getattr(obj, field.attname):
            # The key was changed since: the cached object is stale.
            field.delete_cached_value(obj)
    for field in opts.private_fields:  # GenericForeignKey
        if fields and field not in fields:
            continue
        if field.is_relation and field.is_cached(obj) and hasattr(field, "fk_field"):
            related = field.get_cached_value(obj, default=None)
            if related and not related._is_pk_set():
                raise ValueError(
                    f"{operation_name}() prohibited to prevent data loss due to unsaved "
                    f"related object '{field.name}'. Save the {related._meta.object_name} "
                    f"first ({opts.object_name}.{field.name})."
                )


def _update_fields_for(obj: Any, using: str, force_insert: Any, update_fields: Any) -> Any:
    """Validate *update_fields*, or derive it from deferred fields (as Django does)."""
    opts = obj._meta
    if update_fields is not None:
        update_fields = frozenset(update_fields)
        not_updatable = update_fields.difference(opts._non_pk_concrete_field_names)
        if not_updatable:
            raise ValueError(
                "The following fields do not exist in this model, are m2m fields, primary "
                "keys, or are non-concrete fields: %s" % ", ".join(not_updatable)
            )
        return update_fields
    deferred = {
        f.attname
        for f in opts.concrete_fields
        if f.attname not in obj.__dict__ and not f.generated
    }
    # Saving to the database it came from with deferred fields: save the loaded ones.
    if (
        not force_insert
        and deferred
        and using == obj._state.db
        and (not DJANGO_6 or obj._is_pk_set())
    ):
        field_names = {
            f.attname
            for f in opts.concrete_fields
            if f not in opts.pk_fields and not hasattr(f, "through")
        }
        loaded = field_names.difference(deferred)
        if loaded:
            return frozenset(loaded)
    return None


async def save_instance(
    obj: Any,
    *,
    force_insert: bool | tuple[Any, ...] = False,
    force_update: bool = False,
    using: str | None = None,
    update_fields: Iterable[str] | None = None,
) -> None:
    """Insert or update *obj* (and its multi-table parents) on vinyl's connection.

    Raises ``ValueError`` for contradictory options, unknown ``update_fields`` or an
    unsaved related object; ``DatabaseError`` (``Model.NotUpdated`` on Django ≥ 6.0)
    if ``force_update`` / ``update_fields`` matched no row; Django's
    ``IntegrityError`` & co. for what the database refuses. Inside
    :func:`vinyl_async.batch.batch`, the UPDATE of an instance loaded from the
    database is queued and taken to match its row (no INSERT fallback).
    """
    obj._prepare_related_fields_for_save(operation_name="save")
    using = using or router.db_for_write(obj.__class__, instance=obj)
    if force_insert and (force_update or update_fields):
        raise ValueError("Cannot force both insert and updating in model saving.")
    if update_fields is not None and not update_fields:
        return
    update_fields = _update_fields_for(obj, using, force_insert, update_fields)

    cls = obj.__class__
    if cls._meta.proxy:
        cls = cls._meta.concrete_model
    force_insert = obj._validate_force_insert(force_insert)
    if cls._meta.parents:
        # Several tables: one transaction.
        async with atomic(using=using, savepoint=False):
            parent_inserted = await _save_parents(obj, cls, using, update_fields, force_insert)
            await _save_table(
                obj, cls, using, force_insert or parent_inserted, force_update, update_fields
            )
    else:
        await _save_table(obj, cls, using, force_insert, force_update, update_fields)
    obj._state.db = using
    obj._state.adding = False


async def _save_parents(
    obj: Any,
    cls: Any,
    using: str,
    update_fields: Any,
    force_insert: Any,
    updated_parents: dict[Any, bool] | None = None,
) -> bool:
    """Save the multi-table parents of *cls* from *obj*; True if any was inserted."""
    meta = cls._meta
    inserted = False
    if updated_parents is None:
        updated_parents = {}
    for parent, field in meta.parents.items():
        # Keep the link field and the parent's primary key in step.
        if (
            field
            and getattr(obj, parent._meta.pk.attname) is None
            and getattr(obj, field.attname) is not None
        ):
            setattr(obj, parent._meta.pk.attname, getattr(obj, field.attname))
        parent_updated = updated_parents.get(parent)
        if parent_updated is None:
            parent_inserted = await _save_parents(
                obj, parent, using, update_fields, force_insert, updated_parents
            )
            updated = await _save_table(
                obj,
                parent,
                using,
                parent_inserted or issubclass(parent, force_insert),
                False,
                update_fields,
            )
            if not updated:
                inserted = True
            updated_parents[parent] = updated
        elif not parent_updated:
            inserted = True
        if field:
            setattr(obj, field.attname, obj._get_pk_val(parent._meta))
            # The link was set by id: a cached parent object may be stale.
            if field.is_cached(obj):
                field.delete_cached_value(obj)
    return inserted


async def _save_table(
    obj: Any,
    cls: Any,
    using: str,
    force_insert: Any,
    force_update: bool,
    update_fields: Any,
) -> bool:
    """UPDATE or INSERT the row of one table; True if it was an UPDATE."""
    meta = cls._meta
    pk_fields = meta.pk_fields
    non_pks = [f for f in meta.local_concrete_fields if f not in pk_fields and not f.generated]
    if update_fields:
        non_pks = [f for f in non_pks if f.name in update_fields or f.attname in update_fields]
    if not obj._is_pk_set(meta) and not isinstance(getattr(obj, meta.pk.attname), DatabaseDefault):
        setattr(obj, meta.pk.attname, meta.pk.get_pk_value_on_save(obj))
    pk_set = obj._is_pk_set(meta)
    if not pk_set and (force_update or update_fields):
        raise ValueError("Cannot force an update in save() with no primary key.")
    updated = False
    # Skip the UPDATE when adding an instance whose primary key has a default.
    if (
        not force_insert
        and not force_update
        and obj._state.adding
        and all(f.has_default() or f.has_db_default() for f in meta.pk_fields)
    ):
        force_insert = True
    if pk_set and not force_insert:
        base_qs = cls._base_manager.using(using)
        values = [(f, None, f.pre_save(obj, False)) for f in non_pks]
        forced_update = bool(update_fields or force_update)
        pk_val = obj._get_pk_val(meta)
        if UPDATE_RETURNS_VALUES:
            # Read back what the database computes: generated fields depending on
            # the saved ones, and fields saved as expressions.
            returning_fields = [
                f
                for f in meta.local_concrete_fields
                if f.generated and f.referenced_fields.intersection(non_pks)
            ]
            for field, _model, value in values:
                if (update_fields is None or field.name in update_fields) and hasattr(
                    value, "resolve_expression"
                ):
                    returning_fields.append(field)
            results = await _do_update(
                obj, base_qs, using, pk_val, values, update_fields, forced_update, returning_fields
            )
            updated = bool(results)
            if updated:
                _assign_returned_values(obj, results[0], returning_fields)
            elif force_update:
                raise obj.NotUpdated("Forced update did not affect any rows.")
            elif update_fields:
                raise obj.NotUpdated("Save with update_fields did not affect any rows.")
        else:
            updated = bool(
                await _do_update(
                    obj, base_qs, using, pk_val, values, update_fields, forced_update, None
                )
            )
            if force_update and not updated:
                raise DatabaseError("Forced update did not affect any rows.")
            if update_fields and not updated:
                raise DatabaseError("Save with update_fields did not affect any rows.")
    if not updated:
        if meta.order_with_respect_to:
            await _set_order(obj, cls, using)
        fields = [
            f
            for f in meta.local_concrete_fields
            if not f.generated and (pk_set or f is not meta.auto_field)
        ]
        returning_fields = list(meta.db_returning_fields)
        manager = cls._base_manager
        async with connection_for(using) as conn:
            if UPDATE_RETURNS_VALUES:
                # Read back fields inserted as expressions; drop the ones the
                # backend cannot return (Django ≥ 6.0).
                can_return_columns = connections[using].features.can_return_columns_from_insert
                for field in fields:
                    value = field.pre_save(obj, add=True)
                    if hasattr(value, "resolve_expression"):
                        if field not in returning_fields:
                            returning_fields.append(field)
                    elif (
                        field.db_returning
                        and not can_return_columns
                        and not (pk_set and field is meta.auto_field)
                    ):
                        returning_fields.remove(field)
            results = await run_django(
                conn,
                lambda: manager._insert(
                    [obj], fields=fields, returning_fields=returning_fields, using=using
                ),
            )
        if results:
            if UPDATE_RETURNS_VALUES:
                _assign_returned_values(obj, results[0], returning_fields)
            else:
                for value, field in zip(results[0], returning_fields, strict=False):
                    setattr(obj, field.attname, value)
    return updated


def _assign_returned_values(obj: Any, values: Any, returning_fields: list[Any]) -> None:
    fields = iter(returning_fields)
    for value, field in zip(values, fields, strict=False):
        setattr(obj, field.attname, value)
    # Fields whose database value could not be read back are stale: defer them.
    for field in fields:
        obj.__dict__.pop(field.attname, None)


async def _do_update(
    obj: Any,
    base_qs: Any,
    using: str,
    pk_val: Any,
    values: list[Any],
    update_fields: Any,
    forced_update: bool,
    returning_fields: list[Any] | None,
) -> list[Any]:
    """The UPDATE of ``save()``: a list with one entry per matched row (Django ≥ 6.0 shape).

    Each entry holds the values of *returning_fields* read back (empty tuples when
    there are none, or on Django 5.2 where *returning_fields* is None).
    """
    filtered = base_qs.filter(pk=pk_val)
    async with connection_for(using) as conn:
        if not values:
            # Nothing to write in this table (update_fields elsewhere, or only a pk).
            if update_fields is not None or await run_django(conn, filtered.exists):
                return [()]
            return []
        if obj._meta.select_on_save and not forced_update:
            if not await run_django(conn, filtered.exists):
                return []
            results = await _update_row(conn, obj, filtered, using, values, returning_fields)
            if results:
                return results
            # Zero matched rows after the SELECT: the row may have just gone.
            return [()] if await run_django(conn, filtered.exists) else []
        return await _update_row(conn, obj, filtered, using, values, returning_fields)


async def _update_row(
    conn: Any, obj: Any, filtered: Any, using: str, values: list[Any], returning_fields: Any
) -> list[Any]:
    if returning_fields and connections[using].features.can_return_rows_from_update:
        return await _update_returning(conn, filtered, using, values, returning_fields)
    # In a batch, the UPDATE of a loaded instance is queued: it is taken to match.
    queueable = not obj._state.adding
    with write_only(conn, queueable):
        count = await run_django(conn, lambda: filtered._update(values))
    if count < 0:  # queued in a batch
        return [()]
    return [()] * count


async def _update_returning(
    conn: Any, filtered: Any, using: str, values: list[Any], returning_fields: list[Any]
) -> list[Any]:
    """Django 6's ``execute_returning_sql``: UPDATE ... RETURNING, rows converted."""
    query = filtered.query.chain(UpdateQuery)
    query.add_update_fields(values)
    query.annotations = {}
    compiler = query.get_compiler(using)
    compiler.returning_fields = returning_fields
    sql, params = compiler.as_sql()
    rows: Any = (await conn.execute(sql, params)).rows or []
    opts = query.get_meta()
    converters = compiler.get_converters(
        [field.get_col(opts.db_table) for field in returning_fields]
    )
    if converters:
        rows = compiler.apply_converters(rows, converters)
    return list(rows)


async def _set_order(obj: Any, cls: Any, using: str) -> None:
    field = obj._meta.order_with_respect_to
    filter_args = field.get_filter_kwargs_for_object(obj)
    queryset = cls._base_manager.using(using).filter(**filter_args)
    async with connection_for(using) as conn:
        obj._order = (
            await run_django(
                conn,
                lambda: queryset.aggregate(
                    _order__max=Coalesce(
                        ExpressionWrapper(Max("_order") + Value(1), output_field=IntegerField()),
                        Value(0),
                    )
                ),
            )
        )["_order__max"]


async def refresh_instance(
    obj: Any, *, using: str | None = None, fields: Any = None, from_queryset: Any = None
) -> None:
    """Reload *obj*'s fields from the database (Django's ``refresh_from_db`` rules).

    *fields* may also name prefetched relations (their cache is dropped). Cached
    related objects are replaced by the fresh ones where the query selected them,
    dropped otherwise. Raises ``ValueError`` for a lookup path in *fields* and
    ``Model.DoesNotExist`` if the row is gone.
    """
    from .instances import twin_of
    from .query import QuerySet

    if fields is None:
        obj._prefetched_objects_cache = {}
    else:
        prefetched = getattr(obj, "_prefetched_objects_cache", ())
        fields = set(fields)
        for field in fields.copy():
            if field in prefetched:
                del prefetched[field]
                fields.remove(field)
        if not fields:
            return
        if any(LOOKUP_SEP in f for f in fields):
            raise ValueError(
                'Found "%s" in fields argument. Relations and transforms are not allowed '
                "in fields." % LOOKUP_SEP
            )
    if from_queryset is None:
        from_queryset = QuerySet(
            model=twin_of(obj.__class__), using=using, hints={"instance": obj}
        )
    else:
        if not isinstance(from_queryset, QuerySet):
            from_queryset = QuerySet._from_queryset(from_queryset)
        if using is not None:
            from_queryset = from_queryset.using(using)
    queryset = from_queryset.filter(pk=obj.pk)
    deferred = obj.get_deferred_fields()
    if fields is not None:
        queryset = queryset.only(*fields)
    elif deferred:
        queryset = queryset.only(
            *{f.attname for f in obj._meta.concrete_fields if f.attname not in deferred}
        )
    fresh = await queryset.get()
    non_loaded = fresh.get_deferred_fields()
    for field in obj._meta.fields:
        if field.attname in non_loaded:
            continue
        if field.concrete:
            setattr(obj, field.attname, getattr(fresh, field.attname))
        # Cached foreign keys: take the fresh one (select_related), else drop it.
        if field.is_relation:
            if field.is_cached(fresh):
                field.set_cached_value(obj, field.get_cached_value(fresh))
            elif field.is_cached(obj):
                field.delete_cached_value(obj)
    for relation in obj._meta.related_objects:
        if (fields is None or relation.name in fields) and relation.is_cached(obj):
            relation.delete_cached_value(obj)
    for field in obj._meta.private_fields:
        if (fields is None or field.name in fields) and field.is_relation and field.is_cached(obj):
            field.delete_cached_value(obj)
    obj._state.db = fresh._state.db
