# generated from src/vinyl_async/relations.py by codegen — do not edit

"""Explicit relations: the relation descriptors and related managers of vinyl instances.

Relations are never loaded behind the user's back. On a vinyl instance:

- ``obj.author`` (forward foreign key / one-to-one) and ``obj.profile`` (reverse
  one-to-one) query the related object every time, cache it and return it: a
  coroutine in vinyl_sync (``obj.author``), the object in vinyl_sync. A null
  foreign key gives None without a query; a missing reverse one-to-one raises
  Django's ``RelatedObjectDoesNotExist`` with Django's message.
- ``obj.author = a`` is Django's assignment: it sets the id and the cache, no I/O.
- ``obj.books`` (reverse foreign key) and ``obj.tags`` (many-to-many, both sides)
  are related managers, built without I/O. Their querysets (``all()``,
  ``filter()``, ``count()``...) are vinyl querysets; ``add``, ``remove``, ``set``,
  ``clear``, ``create``, ``get_or_create`` and ``update_or_create`` are coroutines.

The descriptors subclass Django's, and the managers are made by Django's own
manager factories over a vinyl base manager, so filters, validation, error
messages, prefetch caches and ``through_defaults`` handling are Django's; vinyl
replaces the methods that do I/O, statement for statement, and sends no signals
(``m2m_changed`` included). Cached values are read with ``obj["name"]``
(:func:`vinyl_sync.instances.fetched_relation`).
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from django.db import connections, router
from django.db.models import Manager as DjangoManager
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor as DjangoForwardManyToOneDescriptor,
)
from django.db.models.fields.related_descriptors import (
    ForwardOneToOneDescriptor as DjangoForwardOneToOneDescriptor,
)
from django.db.models.fields.related_descriptors import (
    ManyToManyDescriptor as DjangoManyToManyDescriptor,
)
from django.db.models.fields.related_descriptors import (
    ReverseManyToOneDescriptor as DjangoReverseManyToOneDescriptor,
)
from django.db.models.fields.related_descriptors import (
    ReverseOneToOneDescriptor as DjangoReverseOneToOneDescriptor,
)
from django.db.models.fields.related_descriptors import (
    create_forward_many_to_many_manager,
    create_reverse_many_to_one_manager,
)
from django.db.models.utils import resolve_callables
from django.utils.functional import cached_property

from .instances import twin_of
from .persistence import database_features, save_instance
from .query import QuerySet
from .transaction import atomic

__all__ = [
    "ForwardManyToOneDescriptor",
    "ForwardOneToOneDescriptor",
    "ManyToManyDescriptor",
    "ReverseManyToOneDescriptor",
    "ReverseOneToOneDescriptor",
    "relation_descriptors",
]


def related_queryset(model: Any, instance: Any, using: str | None = None) -> QuerySet[Any]:
    """A vinyl queryset on *model*, routed like Django's ``_base_manager`` for *instance*."""
    return QuerySet(model=twin_of(model), using=using, hints={"instance": instance})


def _materialize(objs: Any) -> tuple[Any, ...]:
    """``tuple(objs)``, fetching *objs* first if it is a vinyl queryset."""
    if isinstance(objs, QuerySet):
        return tuple(objs._evaluate())
    return tuple(objs)


# -- single related objects ------------------------------------------------------------


class _DjangosDoesNotExist:
    """``RelatedObjectDoesNotExist`` is the class of the model's Django descriptor.

    Django creates one class per descriptor; sharing it lets
    ``except Book.author.RelatedObjectDoesNotExist`` catch vinyl's errors too.
    """

    django_descriptor: Any

    @cached_property
    def RelatedObjectDoesNotExist(self) -> type[Exception]:  # noqa: N802  (Django's name)
        return self.django_descriptor.RelatedObjectDoesNotExist


class ForwardManyToOneDescriptor(_DjangosDoesNotExist, DjangoForwardManyToOneDescriptor):
    """``obj.author`` on a vinyl instance: always queries (awaitable in vinyl_sync)."""

    def __init__(self, field: Any, django_descriptor: Any):
        super().__init__(field)
        self.django_descriptor = django_descriptor

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        return self.fetch(instance)

    def fetch(self, instance: Any) -> Any:
        """Query the related object, cache it on *instance* and return it.

        A null foreign key gives None without a query (or raises Django's
        ``RelatedObjectDoesNotExist`` if the field is not nullable); a foreign key
        to a missing row raises ``Model.DoesNotExist``, as in Django.
        """
        field = self.field
        if field.is_cached(instance):
            cached = field.get_cached_value(instance)
            if cached is not None and cached._state.adding:
                # An unsaved object assigned to the relation: not in the database yet,
                # so there is nothing to query (and save() must still see it).
                return cached
        if None in field.get_local_related_value(instance):
            rel_obj = None
        else:
            rel_obj = self._get_object(instance)
            # A one-to-one: the related object's reverse cache points back.
            if not field.remote_field.multiple:
                field.remote_field.set_cached_value(rel_obj, instance)
        field.set_cached_value(instance, rel_obj)
        if rel_obj is None and not field.null:
            raise self.RelatedObjectDoesNotExist(f"{field.model.__name__} has no {field.name}.")
        return rel_obj

    def _get_object(self, instance: Any) -> Any:
        queryset = related_queryset(self.field.remote_field.model, instance)
        return queryset.get(self.field.get_reverse_related_filter(instance))


class ForwardOneToOneDescriptor(ForwardManyToOneDescriptor, DjangoForwardOneToOneDescriptor):
    """``obj.place`` (forward one-to-one) on a vinyl instance.

    A multi-table parent link (``restaurant.place_ptr``) is built from the
    instance's own fields when they are all loaded, without a query, as Django
    does; assignment keeps the inherited primary keys in step (Django's).
    """

    def _get_object(self, instance: Any) -> Any:
        if self.field.remote_field.parent_link:
            rel_model = self.field.remote_field.model
            attnames = [field.attname for field in rel_model._meta.concrete_fields]
            deferred = instance.get_deferred_fields()
            if not any(attname in deferred for attname in attnames):
                parent = twin_of(rel_model)(
                    **{attname: getattr(instance, attname) for attname in attnames}
                )
                parent._state.adding = instance._state.adding
                parent._state.db = instance._state.db
                return parent
        return super()._get_object(instance)


class ReverseOneToOneDescriptor(_DjangosDoesNotExist, DjangoReverseOneToOneDescriptor):
    """``author.profile`` (reverse one-to-one) on a vinyl instance: always queries.

    A missing related row raises Django's ``RelatedObjectDoesNotExist``
    ("Author has no profile.").
    """

    def __init__(self, related: Any, django_descriptor: Any):
        super().__init__(related)
        self.django_descriptor = django_descriptor

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        return self.fetch(instance)

    def fetch(self, instance: Any) -> Any:
        """Query the related object, cache it (or its absence) and return it."""
        related = self.related
        rel_obj = None
        if instance.pk is not None:
            filter_args = related.field.get_forward_related_filter(instance)
            try:
                rel_obj = related_queryset(related.related_model, instance).get(**filter_args)
            except related.related_model.DoesNotExist:
                rel_obj = None
            else:
                related.field.set_cached_value(rel_obj, instance)
        related.set_cached_value(instance, rel_obj)
        if rel_obj is None:
            raise self.RelatedObjectDoesNotExist(
                f"{instance.__class__.__name__} has no {related.get_accessor_name()}."
            )
        return rel_obj


# -- related managers ----------------------------------------------------------------


class RelatedManagerBase(DjangoManager):  # type: ignore[type-arg]
    """The manager Django's related-manager factories subclass here: vinyl querysets."""

    def get_queryset(self) -> QuerySet[Any]:
        return QuerySet(model=twin_of(self.model), using=self._db, hints=self._hints)


class ReverseManyToOneMethods:
    """``author.books``: the writes of a reverse foreign key manager, as coroutines.

    Statements as Django's ``RelatedManager``: ``add()`` is one UPDATE (or a
    ``save()`` per object with ``bulk=False``, atomically), ``create()`` one INSERT.
    """

    instance: Any
    model: Any
    field: Any

    def add(self, *objs: Any, bulk: bool = True) -> None:
        """Point *objs* at this instance.

        With ``bulk=True`` (one UPDATE) every object must already be saved on the
        same database (``ValueError`` otherwise, Django's message); ``bulk=False``
        saves each object. ``TypeError`` for an object of another model.
        """
        self._check_fk_val()  # type: ignore[attr-defined]
        self._remove_prefetched_objects()  # type: ignore[attr-defined]
        db = router.db_for_write(self.model, instance=self.instance)

        def check_and_update_obj(obj: Any) -> None:
            if not isinstance(obj, self.model):
                raise TypeError(
                    "'%s' instance expected, got %r" % (self.model._meta.object_name, obj)
                )
            setattr(obj, self.field.name, self.instance)

        if bulk:
            pks = []
            for obj in objs:
                check_and_update_obj(obj)
                if obj._state.adding or obj._state.db != db:
                    raise ValueError(
                        "%r instance isn't saved. Use bulk=False or save the object first." % obj
                    )
                pks.append(obj.pk)
            (
                related_queryset(self.model, self.instance, db)
                .filter(pk__in=pks)
                .update(**{self.field.name: self.instance})
            )
        else:
            with atomic(using=db, savepoint=False):
                for obj in objs:
                    check_and_update_obj(obj)
                    save_instance(obj)

    def create(self, **kwargs: Any) -> Any:
        """INSERT a related object pointing at this instance and return it."""
        self._check_fk_val()  # type: ignore[attr-defined]
        self._remove_prefetched_objects()  # type: ignore[attr-defined]
        kwargs[self.field.name] = self.instance
        db = router.db_for_write(self.model, instance=self.instance)
        return related_queryset(self.model, self.instance, db).create(**kwargs)

    def get_or_create(self, **kwargs: Any) -> tuple[Any, bool]:
        """``get_or_create()`` among this instance's related objects."""
        self._check_fk_val()  # type: ignore[attr-defined]
        kwargs[self.field.name] = self.instance
        db = router.db_for_write(self.model, instance=self.instance)
        return self.db_manager(db).get_queryset().get_or_create(**kwargs)  # type: ignore[attr-defined]

    def update_or_create(self, **kwargs: Any) -> tuple[Any, bool]:
        """``update_or_create()`` among this instance's related objects."""
        self._check_fk_val()  # type: ignore[attr-defined]
        kwargs[self.field.name] = self.instance
        db = router.db_for_write(self.model, instance=self.instance)
        return self.db_manager(db).get_queryset().update_or_create(**kwargs)  # type: ignore[attr-defined]

    def set(self, objs: Any, *, bulk: bool = True, clear: bool = False) -> None:
        """Make *objs* exactly the related objects (atomically for a nullable key).

        A non-nullable key cannot let objects go: ``set()`` only adds then.
        """
        self._check_fk_val()  # type: ignore[attr-defined]
        # Evaluated first: clear() could change what a queryset returns.
        objs = _materialize(objs)
        if not self.field.null:
            self.add(*objs, bulk=bulk)
            return
        db = router.db_for_write(self.model, instance=self.instance)
        with atomic(using=db, savepoint=False):
            if clear:
                self.clear(bulk=bulk)  # type: ignore[attr-defined]
                self.add(*objs, bulk=bulk)
            else:
                old_objs = set(self.using(db).all()._evaluate())  # type: ignore[attr-defined]
                new_objs = []
                for obj in objs:
                    if obj in old_objs:
                        old_objs.remove(obj)
                    else:
                        new_objs.append(obj)
                self.remove(*old_objs, bulk=bulk)  # type: ignore[attr-defined]
                self.add(*new_objs, bulk=bulk)


class NullableReverseManyToOneMethods(ReverseManyToOneMethods):
    """A reverse foreign key that can be null also has ``remove()`` and ``clear()``."""

    def remove(self, *objs: Any, bulk: bool = True) -> None:
        """Set the foreign key of *objs* to NULL.

        Raises ``Model.DoesNotExist`` (Django's message) for an object that is not
        related to this instance, ``TypeError`` for an object of another model.
        """
        if not objs:
            return
        self._check_fk_val()  # type: ignore[attr-defined]
        val = self.field.get_foreign_related_value(self.instance)
        old_ids = set()
        for obj in objs:
            if not isinstance(obj, self.model):
                raise TypeError(
                    "'%s' instance expected, got %r" % (self.model._meta.object_name, obj)
                )
            if self.field.get_local_related_value(obj) == val:
                old_ids.add(obj.pk)
            else:
                raise self.field.remote_field.model.DoesNotExist(
                    "%r is not related to %r." % (obj, self.instance)
                )
        self._clear(self.filter(pk__in=old_ids), bulk)  # type: ignore[attr-defined]

    def clear(self, *, bulk: bool = True) -> None:
        """Set the foreign key of every related object to NULL."""
        self._check_fk_val()  # type: ignore[attr-defined]
        self._clear(self, bulk)

    def _clear(self, queryset: Any, bulk: bool) -> None:
        self._remove_prefetched_objects()  # type: ignore[attr-defined]
        db = router.db_for_write(self.model, instance=self.instance)
        queryset = queryset.using(db)
        if bulk:
            # One UPDATE: atomic by itself.
            queryset.update(**{self.field.name: None})
        else:
            with atomic(using=db, savepoint=False):
                for obj in queryset._evaluate():
                    setattr(obj, self.field.name, None)
                    save_instance(obj, update_fields=[self.field.name])


class ManyToManyMethods:
    """``book.tags`` / ``tag.books``: the I/O of a many-to-many manager, as coroutines.

    Statements as Django's ``ManyRelatedManager`` when no ``m2m_changed`` receiver
    is connected (vinyl sends no signals): ``add()`` is one ``INSERT ... ON CONFLICT
    DO NOTHING`` where the backend can ignore conflicts on an auto-created through
    table, else a SELECT of the existing links and an INSERT of the missing ones;
    ``remove()``/``clear()`` one DELETE on the through table; symmetrical relations
    write both directions.
    """

    instance: Any
    model: Any
    through: Any
    source_field: Any
    target_field: Any
    source_field_name: str
    target_field_name: str
    symmetrical: bool
    related_val: tuple[Any, ...]

    def _base_queryset(self) -> QuerySet[Any]:
        # Django's ``super().get_queryset()``: the target model, unfiltered.
        return RelatedManagerBase.get_queryset(self)  # type: ignore[arg-type]

    @property
    def constrained_target(self) -> QuerySet[Any] | None:
        """The through-table rows of this instance, when they suffice to count/test.

        If the through table's foreign key to the target is enforced by the
        database, ``count()``/``exists()`` need not join the target table (Django's
        rule); None otherwise.
        """
        if not self.target_field.db_constraint:
            return None
        db = router.db_for_read(self.through, instance=self.instance)
        if not connections[db].features.supports_foreign_keys:
            return None
        filters = {self.source_field_name: self.related_val[0]}
        # Nullable target rows would have been filtered out by an INNER JOIN.
        if self.target_field.null:
            filters["%s__isnull" % self.target_field_name] = False
        return related_queryset(self.through, self.instance, db).filter(**filters)

    def _constrained_target(self) -> QuerySet[Any] | None:
        if self.get_prefetch_cache() is not None:  # type: ignore[attr-defined]
            return None
        database_features(router.db_for_read(self.through, instance=self.instance))
        return self.constrained_target

    def count(self) -> int:
        """The number of related objects (from the prefetch cache if there is one)."""
        constrained_target = self._constrained_target()
        if constrained_target is not None:
            return constrained_target.count()
        return self.get_queryset().count()  # type: ignore[attr-defined]

    def exists(self) -> bool:
        """Whether there are related objects (from the prefetch cache if there is one)."""
        constrained_target = self._constrained_target()
        if constrained_target is not None:
            return constrained_target.exists()
        return self.get_queryset().exists()  # type: ignore[attr-defined]

    def add(self, *objs: Any, through_defaults: dict[str, Any] | None = None) -> None:
        """Link *objs* (instances or primary keys) to this instance.

        Links that exist already are left alone. ``through_defaults`` fill the
        other fields of new through rows (callables are called). ``TypeError``
        for an instance of another model, ``ValueError`` for an unsaved one
        (Django's messages).
        """
        self._remove_prefetched_objects()  # type: ignore[attr-defined]
        db = router.db_for_write(self.through, instance=self.instance)
        # Both directions of a symmetrical relation are written together.
        with atomic(using=db, savepoint=False) if self.symmetrical else nullcontext():
            self._add_items(
                self.source_field_name,
                self.target_field_name,
                *objs,
                through_defaults=through_defaults,
                using=db,
            )
            # A symmetrical relation to self also stores the mirror links.
            if self.symmetrical:
                self._add_items(
                    self.target_field_name,
                    self.source_field_name,
                    *objs,
                    through_defaults=through_defaults,
                    using=db,
                )

    def remove(self, *objs: Any) -> None:
        """Unlink *objs* (instances or primary keys) from this instance."""
        self._remove_prefetched_objects()  # type: ignore[attr-defined]
        db = router.db_for_write(self.through, instance=self.instance)
        self._remove_items(self.source_field_name, self.target_field_name, *objs, using=db)

    def clear(self) -> None:
        """Unlink every related object (one DELETE on the through table)."""
        db = router.db_for_write(self.through, instance=self.instance)
        self._remove_prefetched_objects()  # type: ignore[attr-defined]
        filters = self._build_remove_filters(self._base_queryset().using(db))  # type: ignore[attr-defined]
        related_queryset(self.through, self.instance, db).filter(filters).delete()

    def set(
        self, objs: Any, *, clear: bool = False, through_defaults: dict[str, Any] | None = None
    ) -> None:
        """Make *objs* exactly the related objects, atomically.

        Only the difference is written (``clear=True``: unlink all, then link
        *objs*). *objs* may be instances or primary keys.
        """
        # Evaluated first: clear() could change what a queryset returns.
        objs = _materialize(objs)
        db = router.db_for_write(self.through, instance=self.instance)
        with atomic(using=db, savepoint=False):
            self._remove_prefetched_objects()  # type: ignore[attr-defined]
            if clear:
                self.clear()
                self.add(*objs, through_defaults=through_defaults)
                return
            target_attname = self.target_field.target_field.attname
            old_ids = set(
                self.using(db).values_list(target_attname, flat=True)._evaluate()  # type: ignore[attr-defined]
            )
            new_objs = []
            for obj in objs:
                fk_val = (
                    self.target_field.get_foreign_related_value(obj)[0]
                    if isinstance(obj, self.model)
                    else self.target_field.get_prep_value(obj)
                )
                if fk_val in old_ids:
                    old_ids.remove(fk_val)
                else:
                    new_objs.append(obj)
            self.remove(*old_ids)
            self.add(*new_objs, through_defaults=through_defaults)

    def create(self, *, through_defaults: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """INSERT a target object, link it to this instance and return it."""
        db = router.db_for_write(self.instance.__class__, instance=self.instance)
        new_obj = related_queryset(self.model, self.instance, db).create(**kwargs)
        self.add(new_obj, through_defaults=through_defaults)
        return new_obj

    def get_or_create(
        self, *, through_defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[Any, bool]:
        """``get_or_create()`` among the related objects; a created one is linked."""
        db = router.db_for_write(self.instance.__class__, instance=self.instance)
        obj, created = self.db_manager(db).get_queryset().get_or_create(**kwargs)  # type: ignore[attr-defined]
        # An object found by get() is linked already.
        if created:
            self.add(obj, through_defaults=through_defaults)
        return obj, created

    def update_or_create(
        self, *, through_defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[Any, bool]:
        """``update_or_create()`` among the related objects; a created one is linked."""
        db = router.db_for_write(self.instance.__class__, instance=self.instance)
        obj, created = self.db_manager(db).get_queryset().update_or_create(**kwargs)  # type: ignore[attr-defined]
        if created:
            self.add(obj, through_defaults=through_defaults)
        return obj, created

    def _add_items(
        self,
        source_field_name: str,
        target_field_name: str,
        *objs: Any,
        through_defaults: dict[str, Any] | None = None,
        using: str,
    ) -> None:
        if not objs:
            return
        through_defaults = dict(resolve_callables(through_defaults or {}))
        target_ids = self._get_target_ids(target_field_name, objs)  # type: ignore[attr-defined]
        features = database_features(using)
        # Conflicts can be ignored on an auto-created through table: the only
        # possible collision is the (source, target) pair. No receivers are ever
        # told (vinyl sends no signals), so that one INSERT is all there is to do.
        # Otherwise (a custom through model) the existing links are read first.
        can_ignore_conflicts = (
            self.through._meta.auto_created is not False and features.supports_ignore_conflicts
        )
        through = related_queryset(self.through, self.instance, using)
        # Rows built as vinyl instances: Django's init signals name the twin, not the model.
        through_model = through.model
        if can_ignore_conflicts:
            through.bulk_create(
                [
                    through_model(
                        **{
                            "%s_id" % source_field_name: self.related_val[0],
                            "%s_id" % target_field_name: target_id,
                        }
                    )
                    for target_id in target_ids
                ],
                ignore_conflicts=True,
            )
            return
        with atomic(using=using, savepoint=False):
            self._add_missing(
                through, source_field_name, target_field_name, target_ids, through_defaults
            )

    def _add_missing(
        self,
        through: QuerySet[Any],
        source_field_name: str,
        target_field_name: str,
        target_ids: set[Any],
        through_defaults: dict[str, Any],
    ) -> None:
        """Insert the links of *target_ids* that do not exist yet (a SELECT, an INSERT)."""
        through_model = through.model
        existing = (
            through.values_list(target_field_name, flat=True)
            .filter(
                **{
                    source_field_name: self.related_val[0],
                    "%s__in" % target_field_name: target_ids,
                }
            )
            ._evaluate()
        )
        missing_target_ids = target_ids.difference(existing)
        through.bulk_create(
            [
                through_model(
                    **through_defaults,
                    **{
                        "%s_id" % source_field_name: self.related_val[0],
                        "%s_id" % target_field_name: target_id,
                    },
                )
                for target_id in missing_target_ids
            ],
        )

    def _remove_items(
        self, source_field_name: str, target_field_name: str, *objs: Any, using: str
    ) -> None:
        if not objs:
            return
        old_ids = set()
        for obj in objs:
            if isinstance(obj, self.model):
                old_ids.add(self.target_field.get_foreign_related_value(obj)[0])
            else:
                old_ids.add(obj)
        target_model_qs = self._base_queryset()
        if target_model_qs._has_filters():
            old_vals: Any = target_model_qs.using(using).filter(
                **{"%s__in" % self.target_field.target_field.attname: old_ids}
            )
        else:
            old_vals = old_ids
        filters = self._build_remove_filters(old_vals)  # type: ignore[attr-defined]
        # One DELETE (vinyl's collector, no signals): atomic by itself.
        related_queryset(self.through, self.instance, using).filter(filters).delete()


class ReverseManyToOneDescriptor(DjangoReverseManyToOneDescriptor):
    """``author.books`` on a vinyl instance: a related manager, built without I/O."""

    @cached_property
    def related_manager_cls(self) -> type:
        django_manager = create_reverse_many_to_one_manager(RelatedManagerBase, self.rel)
        methods = (
            NullableReverseManyToOneMethods if self.rel.field.null else ReverseManyToOneMethods
        )
        return type(django_manager.__name__, (methods, django_manager), {"__module__": __name__})


class ManyToManyDescriptor(DjangoManyToManyDescriptor):
    """``book.tags`` / ``tag.books`` on a vinyl instance: a related manager, no I/O."""

    @cached_property
    def related_manager_cls(self) -> type:
        django_manager = create_forward_many_to_many_manager(
            RelatedManagerBase, self.rel, reverse=self.reverse
        )
        return type(
            django_manager.__name__, (ManyToManyMethods, django_manager), {"__module__": __name__}
        )


def relation_descriptors(model: type) -> dict[str, Any]:
    """The relation attributes of *model*'s vinyl twin, by attribute name.

    Every forward foreign key / one-to-one (inherited ones and parent links
    included), every many-to-many field, and every reverse relation that has an
    accessor. Generic relations keep Django's descriptors.
    """
    opts = model._meta  # type: ignore[attr-defined]
    descriptors: dict[str, Any] = {}
    for field in opts.fields:
        django_descriptor = getattr(model, field.name, None)
        if not field.is_relation or not isinstance(
            django_descriptor, DjangoForwardManyToOneDescriptor
        ):
            continue
        if field.one_to_one:
            descriptors[field.name] = ForwardOneToOneDescriptor(field, django_descriptor)
        else:
            descriptors[field.name] = ForwardManyToOneDescriptor(field, django_descriptor)
    for field in opts.many_to_many:
        if isinstance(getattr(model, field.name, None), DjangoManyToManyDescriptor):
            descriptors[field.name] = ManyToManyDescriptor(field.remote_field, reverse=False)
    for rel in opts.related_objects:
        accessor = rel.get_accessor_name()
        if not accessor:
            continue
        django_descriptor = getattr(model, accessor, None)
        if isinstance(django_descriptor, DjangoManyToManyDescriptor):
            descriptors[accessor] = ManyToManyDescriptor(rel, reverse=True)
        elif isinstance(django_descriptor, DjangoReverseOneToOneDescriptor):
            descriptors[accessor] = ReverseOneToOneDescriptor(rel, django_descriptor)
        elif isinstance(django_descriptor, DjangoReverseManyToOneDescriptor):
            descriptors[accessor] = ReverseManyToOneDescriptor(rel)
    return descriptors
