# generated from src/vinyl_async/writes.py by codegen — do not edit

"""QuerySet write methods: create, bulk_create, bulk_update, update, delete, get_or_create, ...

They are coroutines (plain methods in vinyl_sync) run on vinyl's connections;
validation, error messages and statements are Django's (its ``_insert`` /
``update`` / ``_raw_delete`` code runs through :func:`~vinyl_sync.execution.run_django`).
Operations of several statements run in one transaction; a single statement
runs alone. No signals are sent. Mixed into :class:`vinyl_sync.query.QuerySet`.
"""

from __future__ import annotations

import operator
from contextlib import nullcontext
from functools import reduce
from typing import Any

from django.db import IntegrityError, connections
from django.db.models import AutoField, Field, Max, Q, sql
from django.db.models import QuerySet as DjangoQuerySet
from django.db.models.expressions import Case, Value, When
from django.db.models.functions import Cast
from django.db.models.query import OnConflict
from django.db.models.utils import resolve_callables
from django.utils.functional import partition

from .batch import is_batching, write_only
from .connections import connection_for
from .execution import run_django
from .persistence import database_features, save_instance
from .transaction import atomic

__all__ = ["WriteMethods"]


def _atomic_if(needed: bool, using: str) -> Any:
    """``atomic(using, savepoint=False)`` when an operation sends several writes."""
    return atomic(using=using, savepoint=False) if needed else nullcontext()


class WriteMethods:
    """Write methods of the vinyl QuerySet (``self`` is the QuerySet)."""

    model: Any
    db: Any
    query: Any
    _for_write: bool
    _fields: Any
    _result_cache: Any

    def create(self, **kwargs: Any) -> Any:
        """Build an instance from *kwargs*, INSERT it and return it."""
        reverse_one_to_one = frozenset(kwargs).intersection(
            self.model._meta._reverse_one_to_one_field_names
        )
        if reverse_one_to_one:
            raise ValueError(
                "The following fields do not exist in this model: %s"
                % ", ".join(reverse_one_to_one)
            )
        obj = self.model(**kwargs)
        self._for_write = True
        save_instance(obj, force_insert=True, using=self.db)
        if hasattr(self, "_fetch_mode"):  # Django ≥ 6.1
            obj._state.fetch_mode = self._fetch_mode
        return obj

    # -- bulk_create ----------------------------------------------------------------

    def bulk_create(
        self,
        objs: Any,
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Any = None,
        unique_fields: Any = None,
    ) -> list[Any]:
        """INSERT *objs* in batches of *batch_size* rows; return them.

        Where the backend can (PostgreSQL, SQLite, MariaDB ≥ 10.5), the new primary
        keys are set on the objects, unless conflicts are ignored. Django's
        validation and messages: ``ValueError`` for a bad *batch_size*, a
        multi-table model or bad conflict options, ``NotSupportedError`` where the
        backend lacks the conflict handling asked for. Several statements (batches)
        run in one transaction. Inside a batch, inserts that return no keys are
        queued.
        """
        if batch_size is not None and batch_size <= 0:
            raise ValueError("Batch size must be a positive integer.")
        # A parent with another concrete model means several tables (MTI).
        for parent in self.model._meta.all_parents:
            if parent._meta.concrete_model is not self.model._meta.concrete_model:
                raise ValueError("Can't bulk create a multi-table inherited model")
        if not objs:
            return objs
        opts = self.model._meta
        if unique_fields:
            # The primary key is allowed in unique_fields.
            unique_fields = [
                opts.get_field(opts.pk.name if name == "pk" else name) for name in unique_fields
            ]
        if update_fields:
            update_fields = [opts.get_field(name) for name in update_fields]
        features = database_features(self.db)
        on_conflict = self._check_bulk_create_options(  # type: ignore[attr-defined]
            ignore_conflicts, update_conflicts, update_fields, unique_fields
        )
        self._for_write = True
        fields = [f for f in opts.concrete_fields if not f.generated]
        objs = list(objs)
        prepared = self._prepare_for_bulk_create(objs)  # type: ignore[attr-defined]
        if prepared is None:  # Django 5.2: primary keys set in place
            objs_without_pk, objs_with_pk = partition(lambda o: o._is_pk_set(), objs)
        else:
            objs_with_pk, objs_without_pk = prepared
        order_wrt = opts.order_with_respect_to and hasattr(
            DjangoQuerySet, "_handle_order_with_respect_to"
        )
        fields_without_pk = [f for f in fields if not isinstance(f, AutoField)]
        batches_with_pk = self._insert_batches(objs_with_pk, fields, batch_size)
        batches_without_pk = self._insert_batches(objs_without_pk, fields_without_pk, batch_size)
        statements = len(batches_with_pk) + len(batches_without_pk) + bool(order_wrt)
        returning = (
            opts.db_returning_fields
            if features.can_return_rows_from_bulk_insert
            and (on_conflict is None or on_conflict == OnConflict.UPDATE)
            else None
        )
        insert_options = {
            "on_conflict": on_conflict,
            "update_fields": update_fields,
            "unique_fields": unique_fields,
            "returning_fields": returning,
        }
        with _atomic_if(statements > 1, self.db):
            if order_wrt:
                self._assign_order(objs)
            if objs_with_pk:
                returned = self._run_inserts(batches_with_pk, fields, insert_options)
                for obj_with_pk, results in zip(objs_with_pk, returned, strict=False):
                    for result, field in zip(results, opts.db_returning_fields, strict=False):
                        if prepared is not None or field != opts.pk:
                            setattr(obj_with_pk, field.attname, result)
                for obj_with_pk in objs_with_pk:
                    obj_with_pk._state.adding = False
                    obj_with_pk._state.db = self.db
            if objs_without_pk:
                returned = self._run_inserts(batches_without_pk, fields_without_pk, insert_options)
                if features.can_return_rows_from_bulk_insert and on_conflict is None:
                    assert len(returned) == len(objs_without_pk)
                for obj_without_pk, results in zip(objs_without_pk, returned, strict=False):
                    for result, field in zip(results, opts.db_returning_fields, strict=False):
                        setattr(obj_without_pk, field.attname, result)
                    obj_without_pk._state.adding = False
                    obj_without_pk._state.db = self.db
        return objs

    def _insert_batches(
        self, objs: list[Any], fields: list[Any], batch_size: int | None
    ) -> list[Any]:
        if not objs:
            return []
        max_batch_size = max(connections[self.db].ops.bulk_batch_size(fields, objs), 1)
        batch_size = min(batch_size, max_batch_size) if batch_size else max_batch_size
        return [objs[i : i + batch_size] for i in range(0, len(objs), batch_size)]

    def _run_inserts(
        self, batches: list[Any], fields: list[Any], options: dict[str, Any]
    ) -> list[Any]:
        """Django's ``_batched_insert`` loop: one INSERT per batch; the returned rows."""
        inserted_rows: list[Any] = []
        with connection_for(self.db) as conn:
            # Without RETURNING nothing is read back: queueable in a batch.
            with write_only(conn, options["returning_fields"] is None):
                for item in batches:
                    rows = run_django(
                        conn,
                        lambda item=item: self._insert(  # type: ignore[attr-defined]
                            item, fields=fields, using=self.db, **options
                        ),
                    )
                    if options["returning_fields"] is not None:
                        inserted_rows.extend(rows)
        return inserted_rows

    def _assign_order(self, objs: list[Any]) -> None:
        """Django 6's ``_handle_order_with_respect_to``: number new objects per group."""
        order_wrt = self.model._meta.order_with_respect_to
        get_filter_kwargs_for_object = order_wrt.get_filter_kwargs_for_object
        attnames = list(get_filter_kwargs_for_object(objs[0]))
        group_keys = set()
        obj_groups = []
        for obj in objs:
            group_key = tuple(get_filter_kwargs_for_object(obj).values())
            group_keys.add(group_key)
            obj_groups.append((obj, group_key))
        filters = [
            Q.create(list(zip(attnames, group_key, strict=True))) for group_key in group_keys
        ]
        next_orders = (
            type(self)(model=self.model, using=self.db)
            .filter(reduce(operator.or_, filters))
            .values_list(*attnames)
            .annotate(_order__max=Max("_order") + 1)
            ._evaluate()
        )
        group_next_orders = dict.fromkeys(group_keys, 0)
        group_next_orders.update(
            (tuple(group_key), next_order) for *group_key, next_order in next_orders
        )
        for obj, group_key in obj_groups:
            if getattr(obj, "_order", None) is None:
                obj._order = group_next_orders[group_key]
                group_next_orders[group_key] += 1

    # -- bulk_update ----------------------------------------------------------------

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int | None:
        """UPDATE *fields* of *objs* from their values: one ``CASE WHEN`` UPDATE per batch.

        Returns the number of rows matched (None inside a batch, where the
        statements are queued). Django's validation and messages (``ValueError``).
        Several batches run in one transaction.
        """
        if batch_size is not None and batch_size <= 0:
            raise ValueError("Batch size must be a positive integer.")
        if not fields:
            raise ValueError("Field names must be given to bulk_update().")
        objs = tuple(objs)
        if not all(obj._is_pk_set() for obj in objs):
            raise ValueError("All bulk_update() objects must have a primary key set.")
        opts = self.model._meta
        fields = [opts.get_field(name) for name in fields]
        if any(not f.concrete or f.many_to_many for f in fields):
            raise ValueError("bulk_update() can only be used with concrete fields.")
        all_pk_fields = set(opts.pk_fields)
        for parent in opts.all_parents:
            all_pk_fields.update(parent._meta.pk_fields)
        if any(f in all_pk_fields for f in fields):
            raise ValueError("bulk_update() cannot be used with primary key fields.")
        if not objs:
            return 0
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_update", fields=fields)
        self._for_write = True
        features = database_features(self.db)
        connection = connections[self.db]
        # The primary key is used twice (filter and WHEN), each field once.
        max_batch_size = connection.ops.bulk_batch_size([opts.pk, opts.pk, *fields], objs)
        batch_size = min(batch_size, max_batch_size) if batch_size else max_batch_size
        requires_casting = features.requires_casted_case_in_updates
        batches = [objs[i : i + batch_size] for i in range(0, len(objs), batch_size)]
        updates = []
        for batch_objs in batches:
            update_kwargs = {}
            for field in fields:
                when_statements = []
                for obj in batch_objs:
                    attr = getattr(obj, field.attname)
                    if not hasattr(attr, "resolve_expression"):
                        attr = Value(attr, output_field=field)
                    when_statements.append(When(pk=obj.pk, then=attr))
                case_statement = Case(*when_statements, output_field=field)
                if requires_casting:
                    case_statement = Cast(case_statement, output_field=field)
                update_kwargs[field.attname] = case_statement
            updates.append(([obj.pk for obj in batch_objs], update_kwargs))
        rows_updated: int | None = 0
        queryset = self.using(self.db)  # type: ignore[attr-defined]
        with _atomic_if(len(updates) > 1, self.db):
            for pks, update_kwargs in updates:
                rows = queryset.filter(pk__in=pks).update(**update_kwargs)
                rows_updated = None if rows is None else (rows_updated or 0) + rows
        return rows_updated

    # -- update / delete ------------------------------------------------------------

    def update(self, **kwargs: Any) -> int | None:
        """UPDATE the rows of this queryset; the number of rows matched.

        Django's validation and messages. Fields of multi-table parents are
        updated by further statements, all in one transaction. Inside a batch the
        UPDATE is queued and None is returned.
        """
        self._for_write = True
        db = self.db
        # Fields of multi-table parents: one UPDATE per table, atomically.
        try:
            query = self.query.chain(sql.UpdateQuery)
            query.add_update_values(kwargs)
            several_tables = bool(query.related_updates)
        except Exception:
            several_tables = False  # Django's update() below raises the error itself
        with _atomic_if(several_tables, db):
            with connection_for(db) as conn:
                with write_only(conn):
                    rows = run_django(conn, lambda: DjangoQuerySet.update(self, **kwargs))
                if is_batching(conn):
                    return None
        return rows

    def delete(self) -> tuple[int, dict[str, int]]:
        """DELETE the rows of this queryset and what cascades from them.

        Django's ``(total, {model label: count})``; every ``on_delete`` rule is
        applied by vinyl's collector (see :mod:`vinyl_sync.deletion`), raising
        ``ProtectedError`` / ``RestrictedError`` before anything is deleted.
        ``TypeError`` (Django's messages) after slicing, ``distinct(*fields)``,
        ``values()``. Inside a batch: ``(None, {})``.
        """
        from .deletion import Collector

        self._not_support_combined_queries("delete")  # type: ignore[attr-defined]
        if self.query.is_sliced:
            raise TypeError("Cannot use 'limit' or 'offset' with delete().")
        if self.query.distinct_fields:
            raise TypeError("Cannot call delete() after .distinct(*fields).")
        if self._fields is not None:
            raise TypeError("Cannot call delete() after .values() or .values_list()")

        del_query = self._chain()  # type: ignore[attr-defined]
        # Related objects are looked up on the database the rows are deleted from.
        del_query._for_write = True
        del_query.query.select_for_update = False
        del_query.query.select_related = False
        del_query.query.clear_ordering(force=True)

        collector = Collector(using=del_query.db, origin=self)
        collector.collect(del_query)
        deleted, per_model = collector.delete()
        self._result_cache = None
        return deleted, per_model

    # -- get_or_create / update_or_create ----------------------------------------------

    def get_or_create(self, defaults: Any = None, **kwargs: Any) -> tuple[Any, bool]:
        """The object matching *kwargs*, created (with *defaults*) if there is none.

        Safe under concurrency on a unique key: the INSERT runs in a savepoint and,
        if it fails with ``IntegrityError`` because another caller created the row
        first, the row is read again and returned with ``created=False``. Other
        ``IntegrityError``s are raised.
        """
        # The get() targets the write database, for transaction consistency.
        self._for_write = True
        try:
            return self.get(**kwargs), False  # type: ignore[attr-defined]
        except self.model.DoesNotExist:
            params = self._extract_model_params(defaults, **kwargs)  # type: ignore[attr-defined]
            try:
                with atomic(using=self.db):
                    params = dict(resolve_callables(params))
                    return self.create(**params), True
            except IntegrityError:
                try:
                    return self.get(**kwargs), False  # type: ignore[attr-defined]
                except self.model.DoesNotExist:
                    pass
                raise

    def update_or_create(
        self, defaults: Any = None, create_defaults: Any = None, **kwargs: Any
    ) -> tuple[Any, bool]:
        """Update the object matching *kwargs* with *defaults*, or create it.

        In one transaction, the row locked (``SELECT ... FOR UPDATE``) until it is
        saved; created with *create_defaults* (default: *defaults*). Safe under
        concurrency like :meth:`get_or_create`.
        """
        update_defaults = defaults or {}
        if create_defaults is None:
            create_defaults = update_defaults
        self._for_write = True
        with atomic(using=self.db):
            # Lock the row so that a concurrent update waits for this save.
            obj, created = self.select_for_update().get_or_create(  # type: ignore[attr-defined]
                create_defaults, **kwargs
            )
            if created:
                return obj, created
            for k, v in resolve_callables(update_defaults):
                setattr(obj, k, v)
            update_fields = set(update_defaults)
            concrete_field_names = self.model._meta._non_pk_concrete_field_names
            # update_fields does not support non-concrete fields.
            if concrete_field_names.issuperset(update_fields):
                # Fields set by pre_save() (auto_now, ...) are saved too.
                pk_fields = self.model._meta.pk_fields
                for field in self.model._meta.local_concrete_fields:
                    if not (field in pk_fields or field.__class__.pre_save is Field.pre_save):
                        update_fields.add(field.name)
                        if field.name != field.attname:
                            update_fields.add(field.attname)
                save_instance(obj, using=self.db, update_fields=update_fields)
            else:
                save_instance(obj, using=self.db)
        return obj, False
