"""Deleting: an async collector applying every ``on_delete`` rule, Django's way.

:class:`Collector` is Django's ``django.db.models.deletion.Collector`` with its
I/O done by vinyl: the bookkeeping (``add``, dependencies, field updates,
restricted objects, batching, ``sort``, ``can_fast_delete``) is Django's own
code, inherited; ``collect()`` and ``delete()`` are Django's algorithms
re-written as coroutines, so the statements are Django's, in Django's order:
the SELECTs of cascade lookups, then in one transaction the fast DELETEs, the
SET NULL / SET_DEFAULT / SET(...) UPDATEs and the DELETEs of collected rows.

Every ``on_delete`` of Django works: CASCADE, PROTECT, RESTRICT, SET_NULL,
SET_DEFAULT, SET(value or callable), DO_NOTHING (and Django 6's DB_* variants,
left to the database). PROTECT and RESTRICT raise Django's ``ProtectedError`` /
``RestrictedError`` with Django's messages (they name the model and the foreign
key) before anything is deleted.

No signals are sent: deletes are "fast" (one DELETE without fetching) exactly
where Django's would be when no ``pre_delete``/``post_delete`` receiver is
connected. A custom ``on_delete`` function gets this collector and may use its
bookkeeping methods (``add_field_update``, ``add_restricted_objects``,
``add_dependency``, ``add``), but not ``collect()``, a coroutine here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import reduce
from itertools import chain
from operator import attrgetter, or_
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet as DjangoQuerySet
from django.db.models import deletion as django_deletion
from django.db.models import query_utils, sql
from django.db.models.deletion import (
    CASCADE,
    DO_NOTHING,
    ProtectedError,
    RestrictedError,
    get_candidate_relations_to_delete,
)

from .batch import is_batching, write_only
from .connections import connection_for
from .execution import run_django
from .instances import twin_of
from .query import QuerySet
from .transaction import atomic

__all__ = ["Collector", "ProtectedError", "RestrictedError", "delete_instance"]

#: on_delete values that need no collecting (Django 6 adds the DB_* ones).
SKIP_COLLECTION = getattr(django_deletion, "SKIP_COLLECTION", frozenset([DO_NOTHING]))


def _django_model(model: type) -> type:
    """The Django model class of *model* (a vinyl twin's base): the collector's keys."""
    return model.__dict__.get("_vinyl_twin_of", model)


def _vinyl(queryset: Any) -> Any:
    """A vinyl queryset for a Django one (generic relations hand out Django's)."""
    if isinstance(queryset, DjangoQuerySet) and not isinstance(queryset, QuerySet):
        return QuerySet._from_queryset(queryset)
    return queryset


class Collector(django_deletion.Collector):
    """Django's deletion collector, with ``collect()`` and ``delete()`` as coroutines.

    Instances are keyed by their Django model (a vinyl instance and a plain one of
    the same row are the same object to it, as they compare equal).
    """

    def __init__(self, using: str, origin: Any = None, force_collection: bool = False):
        super().__init__(using, origin=origin)
        # Django 6: collect in Python even what the database would cascade.
        self.force_collection = force_collection

    def _has_signal_listeners(self, model: Any) -> bool:
        # vinyl sends no signals: receivers never prevent a fast delete.
        return False

    def add(
        self,
        objs: Any,
        source: Any = None,
        nullable: bool = False,
        reverse_dependency: bool = False,
    ) -> list[Any]:
        """Django's ``add()``, keyed by the Django model; returns the objects not yet collected."""
        if not objs:
            return []
        new_objs = []
        model = _django_model(objs[0].__class__)
        instances = self.data[model]
        for obj in objs:
            if obj not in instances:
                new_objs.append(obj)
        instances.update(new_objs)
        # Nullable relations are set to NULL before deleting: they do not order deletes.
        if source is not None and not nullable:
            self.add_dependency(source, model, reverse_dependency=reverse_dependency)
        return new_objs

    def add_restricted_objects(self, field: Any, objs: Any) -> None:
        if objs:
            model = _django_model(objs[0].__class__)
            self.restricted_objects[model][field].update(objs)

    async def clear_restricted_objects_from_queryset(self, model: Any, qs: Any) -> None:  # type: ignore[override]
        model = _django_model(model)
        if model in self.restricted_objects:
            pks = [obj.pk for objs in self.restricted_objects[model].values() for obj in objs]
            objs = set(await qs.filter(pk__in=pks)._evaluate())
            self.clear_restricted_objects_from_set(model, objs)

    def related_objects(self, related_model: Any, related_fields: Any, objs: Any) -> QuerySet[Any]:
        """A vinyl queryset of the *related_model* rows pointing at *objs*."""
        predicate = query_utils.Q.create(
            [(f"{related_field.name}__in", objs) for related_field in related_fields],
            connector=query_utils.Q.OR,
        )
        return QuerySet(model=twin_of(related_model), using=self.using).filter(predicate)

    async def collect(  # type: ignore[override]
        self,
        objs: Any,
        source: Any = None,
        nullable: bool = False,
        collect_related: bool = True,
        source_attr: str | None = None,
        reverse_dependency: bool = False,
        keep_parents: bool = False,
        fail_on_restricted: bool = True,
    ) -> None:
        """Collect *objs* (instances or a queryset), their parents and what their deletion implies.

        Django's ``Collector.collect``, same arguments. Raises ``ProtectedError``
        / ``RestrictedError`` with Django's messages.
        """
        objs = _vinyl(objs)
        if self.can_fast_delete(objs):
            self.fast_deletes.append(objs)
            return
        if isinstance(objs, QuerySet):
            objs = await objs._evaluate()
        new_objs = self.add(objs, source, nullable, reverse_dependency=reverse_dependency)
        if not new_objs:
            return

        model = _django_model(new_objs[0].__class__)

        if not keep_parents:
            # The rows of multi-table parents go too (their own relations are found
            # through the child's fields).
            concrete_model = model._meta.concrete_model
            for ptr in concrete_model._meta.parents.values():
                if ptr:
                    parent_objs = [await _parent_object(obj, ptr) for obj in new_objs]
                    await self.collect(
                        parent_objs,
                        source=model,
                        source_attr=ptr.remote_field.related_name,
                        collect_related=False,
                        reverse_dependency=True,
                        fail_on_restricted=False,
                    )
        if not collect_related:
            return

        model_fast_deletes: dict[Any, list[Any]] = defaultdict(list)
        protected_objects: dict[str, list[Any]] = defaultdict(list)
        for related in get_candidate_relations_to_delete(model._meta):
            # keep_parents: the parents' reverse relations stay.
            if keep_parents and related.model._meta.concrete_model in model._meta.all_parents:
                continue
            field = related.field
            on_delete = field.remote_field.on_delete
            if on_delete in SKIP_COLLECTION:
                forced_on_delete = getattr(on_delete, "forced_collector", None)
                if self.force_collection and forced_on_delete:
                    on_delete = forced_on_delete
                else:
                    continue
            related_model = related.related_model
            if self.can_fast_delete(related_model, from_field=field):
                model_fast_deletes[related_model].append(field)
                continue
            for batch in self.get_del_batches(new_objs, [field]):
                sub_objs = self.related_objects(related_model, [field], batch)
                # Only the fields that other rows reference are needed to go on.
                if not sub_objs.query.select_related:
                    referenced_fields = set(
                        chain.from_iterable(
                            (rf.attname for rf in rel.field.foreign_related_fields)
                            for rel in get_candidate_relations_to_delete(related_model._meta)
                        )
                    )
                    sub_objs = sub_objs.only(*tuple(referenced_fields))
                # SET_NULL & co. update by query; the others need the rows.
                lazy = getattr(on_delete, "lazy_sub_objs", False)
                if not lazy:
                    await sub_objs._fetch_all()
                if lazy or sub_objs._result_cache:
                    try:
                        await self._on_delete(on_delete, field, sub_objs)
                    except ProtectedError as error:
                        key = "'%s.%s'" % (field.model.__name__, field.name)
                        protected_objects[key] += error.protected_objects
        if protected_objects:
            raise ProtectedError(
                "Cannot delete some instances of model %r because they are "
                "referenced through protected foreign keys: %s."
                % (model.__name__, ", ".join(protected_objects)),
                set(chain.from_iterable(protected_objects.values())),
            )
        for related_model, related_fields in model_fast_deletes.items():
            for batch in self.get_del_batches(new_objs, related_fields):
                self.fast_deletes.append(
                    self.related_objects(related_model, related_fields, batch)
                )
        for field in model._meta.private_fields:
            if hasattr(field, "bulk_related_objects"):
                # A GenericRelation: its query needs the model's content type,
                # read into Django's cache with vinyl's I/O first.
                from .prefetch import content_type_for_model

                await content_type_for_model(field.model, self.using, field.for_concrete_model)
                sub_objs = field.bulk_related_objects(new_objs, self.using)
                await self.collect(sub_objs, source=model, nullable=True, fail_on_restricted=False)

        if fail_on_restricted:
            # Restricted rows may be deleted if they are collected through a cascade.
            for related_model, instances in self.data.items():
                self.clear_restricted_objects_from_set(related_model, instances)
            for qs in self.fast_deletes:
                await self.clear_restricted_objects_from_queryset(qs.model, qs)
            if self.restricted_objects.values():
                restricted_objects: dict[str, list[Any]] = defaultdict(list)
                for related_model, fields in self.restricted_objects.items():
                    for field, objs in fields.items():
                        if objs:
                            key = "'%s.%s'" % (related_model.__name__, field.name)
                            restricted_objects[key] += objs
                if restricted_objects:
                    raise RestrictedError(
                        "Cannot delete some instances of model %r because "
                        "they are referenced through restricted foreign keys: "
                        "%s." % (model.__name__, ", ".join(restricted_objects)),
                        set(chain.from_iterable(restricted_objects.values())),
                    )

    async def _on_delete(self, on_delete: Any, field: Any, sub_objs: Any) -> None:
        if on_delete is CASCADE:
            # Django's CASCADE, with the collector's collect() awaited.
            await self.collect(
                sub_objs,
                source=field.remote_field.model,
                source_attr=field.name,
                nullable=field.null,
                fail_on_restricted=False,
            )
            if field.null and not connections[self.using].features.can_defer_constraint_checks:
                self.add_field_update(field, None, sub_objs)
        else:
            on_delete(self, field, sub_objs, self.using)

    async def delete(self) -> tuple[int, dict[str, int]]:  # type: ignore[override]
        """Run the collected deletes; Django's ``(total, {model label: count})``.

        One DELETE without a transaction for a lone row with nothing depending on
        it; otherwise everything in one transaction (all or nothing). The primary
        keys of deleted instances are set to None. Inside a batch the statements
        are queued and ``(None, {})`` is returned.
        """
        for model, instances in self.data.items():
            self.data[model] = sorted(instances, key=attrgetter("pk"))
        # An order suitable for databases that check constraints immediately.
        self.sort()
        deleted_counter: Counter[str] = Counter()

        # A single object with nothing depending on it: one statement.
        if len(self.data) == 1 and len(instances) == 1:
            instance = list(instances)[0]
            if self.can_fast_delete(instance):
                async with connection_for(self.using) as conn:
                    with write_only(conn):
                        count = await run_django(
                            conn,
                            lambda: sql.DeleteQuery(model).delete_batch([instance.pk], self.using),
                        )
                setattr(instance, model._meta.pk.attname, None)
                if is_batching(conn):
                    return None, {}  # type: ignore[return-value]
                return count, {model._meta.label: count}

        async with atomic(using=self.using, savepoint=False):
            async with connection_for(self.using) as conn:
                with write_only(conn):
                    for qs in self.fast_deletes:
                        count = await run_django(
                            conn, lambda qs=qs: qs._raw_delete(using=self.using)
                        )
                        if count:
                            deleted_counter[qs.model._meta.label] += count

                    for (field, value), instances_list in self.field_updates.items():
                        updates = []
                        objs: list[Any] = []
                        for instances in instances_list:
                            if (
                                isinstance(instances, DjangoQuerySet)
                                and instances._result_cache is None
                            ):
                                updates.append(instances)
                            else:
                                objs.extend(instances)
                        if updates:
                            await reduce(or_, updates).update(**{field.name: value})
                        if objs:
                            model = _django_model(objs[0].__class__)
                            pks = list({obj.pk for obj in objs})
                            await run_django(
                                conn,
                                lambda model=model, pks=pks, field=field, value=value: (
                                    sql.UpdateQuery(model).update_batch(
                                        pks, {field.name: value}, self.using
                                    )
                                ),
                            )

                    for instances in self.data.values():
                        instances.reverse()

                    for model, instances in self.data.items():
                        pk_list = [obj.pk for obj in instances]
                        count = await run_django(
                            conn,
                            lambda model=model, pk_list=pk_list: sql.DeleteQuery(
                                model
                            ).delete_batch(pk_list, self.using),
                        )
                        if count:
                            deleted_counter[model._meta.label] += count
                batching = is_batching(conn)

        for model, instances in self.data.items():
            for instance in instances:
                setattr(instance, model._meta.pk.attname, None)
        if batching:
            return None, {}  # type: ignore[return-value]
        return sum(deleted_counter.values()), dict(deleted_counter)


async def _parent_object(obj: Any, ptr: Any) -> Any:
    """``getattr(obj, ptr.name)`` as Django's collector reads it: the parent-link row.

    Cached, or built from *obj*'s own fields when they are loaded (no query), or
    fetched (one query, as in Django).
    """
    if ptr.is_cached(obj):
        return ptr.get_cached_value(obj)
    descriptor = getattr(twin_of(_django_model(type(obj))), ptr.name)
    return await descriptor.fetch(obj)


async def delete_instance(
    obj: Any, using: str | None = None, keep_parents: bool = False
) -> tuple[int, dict[str, int]]:
    """Delete *obj* (any instance of a Django model) and what its deletion implies.

    Raises ``ValueError`` (Django's message) if it has no primary key, and
    ``ProtectedError`` / ``RestrictedError`` before anything is deleted.
    """
    if not obj._is_pk_set():
        raise ValueError(
            "%s object can't be deleted because its %s attribute is set to None."
            % (obj._meta.object_name, obj._meta.pk.attname)
        )
    using = using or router.db_for_write(obj.__class__, instance=obj)
    collector = Collector(using=using, origin=obj)
    await collector.collect([obj], keep_parents=keep_parents)
    return await collector.delete()
