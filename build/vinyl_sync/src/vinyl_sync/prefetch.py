# generated from src/vinyl_async/prefetch.py by codegen — do not edit

"""Natively async ``prefetch_related``: Django's algorithm, vinyl's I/O.

:func:`prefetch_related_objects` is Django's ``prefetch_related_objects`` /
``get_prefetcher`` / ``prefetch_one_level`` (``django/db/models/query.py``) with
the I/O done on vinyl's connections. The relation descriptors' own
``get_prefetch_querysets()`` still build each level's query (filters, through
models, ``Prefetch(queryset=...)``, sliced prefetches and hints are Django's);
vinyl hands them a vinyl queryset on the related model's twin, so the related
objects are vinyl instances, and evaluates the queryset they return: one
statement per level, as in Django (a GenericForeignKey level: one per content
type, as in Django). Caches are filled exactly where Django fills them:
``_prefetched_objects_cache[cache_name]`` for to-many relations (a fetched vinyl
queryset), the field cache for single relations, a plain attribute for
``to_attr``, so ``obj["books"]`` / ``obj["author"]`` read them without I/O.

Descriptors are always taken from the Django model class (the twin's base), never
from the twin, whose relation attributes are vinyl's own. Django's descriptors do
two things synchronously that vinyl must do itself:

- the reverse-FK and one-to-one descriptors iterate the queryset they built, to
  fill the reverse caches of the related objects: they are given a
  :class:`_PrefetchQuerySet`, which is empty until vinyl has fetched it, and vinyl
  fills those caches after the fetch (:func:`_fill_reverse_caches`);
- GenericForeignKey / GenericRelation read ContentType rows through Django's
  ``ContentTypeManager`` cache: vinyl loads the missing ones into that same cache
  first, with vinyl statements.

A prefetcher vinyl does not know (a third-party descriptor) is used as Django
uses it; if it reads the database itself (iterating the queryset it was given
before vinyl fetched it), ``NotSupportedError`` is raised instead of returning
incomplete caches.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.core import exceptions
from django.db import NotSupportedError
from django.db.models import QuerySet as DjangoQuerySet
from django.db.models.constants import LOOKUP_SEP
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ManyToManyDescriptor,
    ReverseManyToOneDescriptor,
    ReverseOneToOneDescriptor,
)
from django.db.models.manager import BaseManager
from django.db.models.query import normalize_prefetch_lookups
from django.utils.functional import cached_property

from .connections import connection_for
from .exceptions import NotFetched
from .execution import run_django
from .instances import twin_of
from .query import QuerySet

__all__ = ["prefetch_related_objects"]


class _PrefetchQuerySet(QuerySet):  # type: ignore[type-arg]
    """The related-objects queryset of one prefetch level while Django builds it.

    Django's reverse-FK and one-to-one descriptors iterate the queryset inside
    ``get_prefetch_querysets()`` to fill reverse caches. Before vinyl has fetched
    it, iterating yields nothing (and is recorded); vinyl fills those caches after
    the fetch. Never handed to user code.
    """

    _iterated_before_fetch = False

    def __iter__(self) -> Any:
        if self._result_cache is None:
            self._iterated_before_fetch = True
            return iter(())
        return iter(self._result_cache)


def _django_class(cls: type) -> type:
    """The Django model class behind a vinyl twin (or *cls* itself)."""
    return cls.__dict__.get("_vinyl_twin_of", cls)


def _contenttypes() -> Any:
    """``django.contrib.contenttypes.fields``, or None when the app is not installed."""
    from django.apps import apps

    if not apps.is_installed("django.contrib.contenttypes"):
        return None
    from django.contrib.contenttypes import fields

    return fields


def _is_generic_foreign_key(prefetcher: Any) -> bool:
    fields = _contenttypes()
    if fields is None:
        return False
    # Django 5.2: the GenericForeignKey is its own descriptor; 6.x: a separate class.
    kinds = tuple(
        kind
        for kind in (
            fields.GenericForeignKey,
            getattr(fields, "GenericForeignKeyDescriptor", None),
        )
        if kind is not None
    )
    return isinstance(prefetcher, kinds)


def _is_generic_relation(descriptor: Any) -> bool:
    fields = _contenttypes()
    return fields is not None and isinstance(descriptor, fields.ReverseGenericManyToOneDescriptor)


# -- ContentType rows, through Django's own cache ----------------------------------


def _content_type_manager(using: str | None) -> Any:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.db_manager(using)


def content_type_by_id(ct_id: Any, using: str | None) -> Any:
    """``ContentType.objects.db_manager(using).get_for_id(ct_id)``, its I/O on vinyl.

    Django's own code runs (cache included), its statement on vinyl's connection.
    Raises ``ContentType.DoesNotExist`` (Django's message) for an unknown id.
    """
    manager = _content_type_manager(using)
    try:
        return manager._cache[manager.db][ct_id]
    except KeyError:
        pass
    with connection_for(manager.db) as conn:
        return run_django(conn, lambda: manager.get_for_id(ct_id))


def content_type_for_model(model: Any, using: str | None, for_concrete_model: bool = True) -> Any:
    """``ContentType.objects.db_manager(using).get_for_model(model)``, its I/O on vinyl.

    Like Django, a missing row is created (``get_or_create``, here vinyl's). The
    cache keeps plain ContentType objects: Django code reads it too.
    """
    manager = _content_type_manager(using)
    opts = manager._get_opts(model, for_concrete_model)
    try:
        return manager._get_from_cache(opts)
    except KeyError:
        pass
    ContentType = manager.model
    with connection_for(manager.db) as conn:
        try:
            ct = run_django(
                conn, lambda: manager.get(app_label=opts.app_label, model=opts.model_name)
            )
        except ContentType.DoesNotExist:
            ct = None
    if ct is None:
        queryset = QuerySet(model=twin_of(ContentType), using=manager.db)
        created, _ = queryset.get_or_create(app_label=opts.app_label, model=opts.model_name)
        fields = ContentType._meta.concrete_fields
        ct = ContentType.from_db(
            created._state.db,
            [f.attname for f in fields],
            [getattr(created, f.attname) for f in fields],
        )
    manager._add_to_cache(manager.db, ct)
    return ct


def _load_generic_relation_content_types(descriptor: Any, instances: list[Any]) -> None:
    """Load what a GenericRelation manager reads at construction (its content type)."""
    for_concrete_model = descriptor.rel.field.for_concrete_model
    seen = set()
    for obj in instances:
        key = (type(obj), obj._state.db)
        if key not in seen:
            seen.add(key)
            content_type_for_model(type(obj), obj._state.db, for_concrete_model)


# -- Django's prefetch_related_objects, async ----------------------------------------


def prefetch_related_objects(model_instances: Iterable[Any], *related_lookups: Any) -> None:
    """Populate the prefetched-object caches of *model_instances* for the lookups.

    Lookups are strings (``"books"``, ``"books__tags"``) or Django ``Prefetch``
    objects (with a vinyl or Django queryset, which runs as a vinyl queryset).
    Raises what Django raises: ``AttributeError`` for an unknown name,
    ``ValueError`` for a lookup that does not support prefetching, a ``to_attr``
    that clashes with a field, or a lookup seen twice with different querysets.
    Instances that are not model instances (rows of ``values()``) are left alone.
    """
    model_instances = list(model_instances)
    if not model_instances:
        return

    done_queries: dict[str, list[Any]] = {}  # 'foo__bar': [results]
    auto_lookups: set[Any] = set()
    followed_descriptors: set[Any] = set()  # recursion protection

    all_lookups = normalize_prefetch_lookups(reversed(related_lookups))
    while all_lookups:
        lookup = all_lookups.pop()
        if lookup.prefetch_to in done_queries:
            if lookup.queryset is not None:
                raise ValueError(
                    "'%s' lookup was already seen with a different queryset. "
                    "You may need to adjust the ordering of your lookups." % lookup.prefetch_to
                )
            continue

        obj_list = model_instances
        through_attrs = lookup.prefetch_through.split(LOOKUP_SEP)
        for level, through_attr in enumerate(through_attrs):
            if not obj_list:
                break

            prefetch_to = lookup.get_current_prefetch_to(level)
            if prefetch_to in done_queries:
                obj_list = done_queries[prefetch_to]
                continue

            good_objects = True
            for obj in obj_list:
                if not hasattr(obj, "_prefetched_objects_cache"):
                    try:
                        obj._prefetched_objects_cache = {}
                    except (AttributeError, TypeError):
                        # Rows of values()/values_list(): nothing to prefetch into.
                        good_objects = False
                        break
            if not good_objects:
                break

            first_obj = obj_list[0]
            descriptor = getattr(_django_class(type(first_obj)), through_attr, None)
            if _is_generic_relation(descriptor):
                _load_generic_relation_content_types(descriptor, obj_list)
            to_attr = lookup.get_current_to_attr(level)[0]
            prefetcher, descriptor, attr_found, is_fetched = _get_prefetcher(
                first_obj, through_attr, to_attr
            )

            if not attr_found:
                raise AttributeError(
                    "Cannot find '%s' on %s object, '%s' is an invalid "
                    "parameter to prefetch_related()"
                    % (through_attr, first_obj.__class__.__name__, lookup.prefetch_through)
                )

            if level == len(through_attrs) - 1 and prefetcher is None:
                raise ValueError(
                    "'%s' does not resolve to an item that supports "
                    "prefetching - this is an invalid parameter to "
                    "prefetch_related()." % lookup.prefetch_through
                )

            obj_to_fetch = None
            if prefetcher is not None:
                obj_to_fetch = [obj for obj in obj_list if not is_fetched(obj)]

            if obj_to_fetch:
                obj_list, additional_lookups = _prefetch_one_level(
                    obj_to_fetch, prefetcher, descriptor, lookup, level
                )
                if not (
                    prefetch_to in done_queries
                    and lookup in auto_lookups
                    and descriptor in followed_descriptors
                ):
                    done_queries[prefetch_to] = obj_list
                    new_lookups = normalize_prefetch_lookups(
                        reversed(additional_lookups), prefetch_to
                    )
                    auto_lookups.update(new_lookups)
                    all_lookups.extend(new_lookups)
                followed_descriptors.add(descriptor)
            else:
                # Already fetched (select_related, an earlier level), or an attribute
                # that is traversed without prefetching (a to_attr list, a property).
                new_obj_list: list[Any] = []
                for obj in obj_list:
                    if through_attr in getattr(obj, "_prefetched_objects_cache", ()):
                        new_obj = list(obj._prefetched_objects_cache.get(through_attr))
                    else:
                        try:
                            new_obj = _read_fetched(obj, through_attr)
                        except exceptions.ObjectDoesNotExist:
                            continue
                    if new_obj is None:
                        continue
                    if isinstance(new_obj, list):
                        new_obj_list.extend(new_obj)
                    else:
                        new_obj_list.append(new_obj)
                obj_list = new_obj_list


def _is_manager_descriptor(descriptor: Any) -> bool:
    """Reverse FK, many-to-many and GenericRelation: ``obj.name`` is a related manager."""
    return isinstance(descriptor, ReverseManyToOneDescriptor)


def _related_manager(obj: Any, name: str) -> Any:
    """Django's related manager ``obj.name`` (no I/O; vinyl's own one is not used)."""
    django_class = _django_class(type(obj))
    descriptor = getattr(django_class, name, None)
    if _is_manager_descriptor(descriptor):
        return descriptor.__get__(obj, django_class)
    return getattr(obj, name)


def _read_fetched(obj: Any, name: str) -> Any:
    """``getattr(obj, name)`` for a relation already fetched: never a query.

    Raises ``NotFetched`` where Django would load a single related object lazily.
    """
    django_class = _django_class(type(obj))
    descriptor = getattr(django_class, name, None)
    if isinstance(descriptor, (ForwardManyToOneDescriptor, ReverseOneToOneDescriptor)) or (
        _is_generic_foreign_key(descriptor)
    ):
        if not descriptor.is_cached(obj):
            if isinstance(descriptor, ForwardManyToOneDescriptor) and None in (
                descriptor.field.get_local_related_value(obj)
            ):
                return None  # a null foreign key: Django returns None without a query
            raise NotFetched(
                f"{django_class._meta.object_name}.{name} was not fetched: vinyl does not "
                f"load it lazily while prefetching; prefetch or select it first."
            )
        return descriptor.__get__(obj, django_class)
    if _is_manager_descriptor(descriptor):
        return descriptor.__get__(obj, django_class)
    return getattr(obj, name)


def _get_prefetcher(instance: Any, through_attr: str, to_attr: str) -> tuple[Any, Any, bool, Any]:
    """Django's ``get_prefetcher``, with descriptors taken from the Django class.

    Returns (the object with ``get_prefetch_querysets`` or None, the descriptor or
    None, whether the attribute exists, a callable telling if an instance already
    has it fetched).
    """

    def is_to_attr_fetched(model: type, to_attr: str) -> Callable[[Any], bool]:
        # hasattr() would compute a cached_property.
        if isinstance(getattr(model, to_attr, None), cached_property):

            def has_cached_property(instance: Any) -> bool:
                return to_attr in instance.__dict__

            return has_cached_property

        def has_to_attr_attribute(instance: Any) -> bool:
            return hasattr(instance, to_attr)

        return has_to_attr_attribute

    prefetcher = None
    is_fetched = is_to_attr_fetched(instance.__class__, to_attr)
    django_class = _django_class(type(instance))
    rel_obj_descriptor = getattr(django_class, through_attr, None)
    if rel_obj_descriptor is None:
        attr_found = hasattr(instance, through_attr)
    else:
        attr_found = True
        if rel_obj_descriptor:
            if hasattr(rel_obj_descriptor, "get_prefetch_querysets"):
                # A single related object: the descriptor itself prefetches.
                prefetcher = rel_obj_descriptor
                if through_attr == to_attr:
                    is_fetched = rel_obj_descriptor.is_cached
            else:
                # A to-many relation: its related manager prefetches.
                rel_obj = _related_manager(instance, through_attr)
                if hasattr(rel_obj, "get_prefetch_querysets"):
                    prefetcher = rel_obj
                if through_attr == to_attr:

                    def in_prefetched_cache(instance: Any) -> bool:
                        return through_attr in instance._prefetched_objects_cache

                    is_fetched = in_prefetched_cache
    return prefetcher, rel_obj_descriptor, attr_found, is_fetched


def _default_queryset(prefetcher: Any, instances: list[Any]) -> Any:
    """The queryset Django's prefetcher uses when no ``Prefetch(queryset=...)`` is given."""
    if isinstance(prefetcher, (ForwardManyToOneDescriptor, ReverseOneToOneDescriptor)):
        # The related model's base manager (Django 5.2 takes hints, 6.x instance=).
        return prefetcher.get_queryset(instance=instances[0])
    # A related manager: the queryset of the manager class it derives from.
    return super(type(prefetcher), prefetcher).get_queryset()


def _vinyl(queryset: Any, cls: type[QuerySet] = QuerySet) -> QuerySet:  # type: ignore[type-arg]
    """A vinyl copy of *queryset* (vinyl or Django) on the model's twin."""
    return cls._from_queryset(queryset)


def _prefetch_one_level(
    instances: list[Any], prefetcher: Any, descriptor: Any, lookup: Any, level: int
) -> tuple[list[Any], list[Any]]:
    """Django's ``prefetch_one_level``: fetch one level, fill the caches.

    Returns the related objects and the ``prefetch_related`` lookups of the
    level's own queryset (merged into the caller's work, as in Django).
    """
    querysets = lookup.get_current_querysets(level)
    if querysets:
        querysets = [_vinyl(queryset, _PrefetchQuerySet) for queryset in querysets]

    if _is_generic_foreign_key(prefetcher):
        (
            all_related_objects,
            rel_obj_attr,
            instance_attr,
            single,
            cache_name,
            is_descriptor,
        ) = _prefetch_generic_foreign_key(prefetcher, instances, querysets)
        additional_lookups: list[Any] = []
    else:
        known = isinstance(
            prefetcher, (ForwardManyToOneDescriptor, ReverseOneToOneDescriptor)
        ) or _is_manager_descriptor(descriptor)
        if not querysets and known:
            querysets = [_vinyl(_default_queryset(prefetcher, instances), _PrefetchQuerySet)]
        (
            rel_qs,
            rel_obj_attr,
            instance_attr,
            single,
            cache_name,
            is_descriptor,
        ) = prefetcher.get_prefetch_querysets(instances, querysets)
        # The level's own prefetch_related lookups are merged into the caller's
        # work instead of running when the queryset is evaluated (as in Django).
        additional_lookups = [
            copy.copy(additional_lookup)
            for additional_lookup in getattr(rel_qs, "_prefetch_related_lookups", ())
        ]
        if additional_lookups:
            rel_qs._prefetch_related_lookups = ()
        all_related_objects = _fetch_level(rel_qs, prefetcher, known)
        _fill_reverse_caches(prefetcher, descriptor, instances, all_related_objects, instance_attr)

    rel_obj_cache: dict[Any, list[Any]] = {}
    for rel_obj in all_related_objects:
        rel_attr_val = rel_obj_attr(rel_obj)
        rel_obj_cache.setdefault(rel_attr_val, []).append(rel_obj)

    to_attr, as_attr = lookup.get_current_to_attr(level)
    # Make sure `to_attr` does not conflict with a field.
    if as_attr and instances:
        model = instances[0].__class__
        try:
            model._meta.get_field(to_attr)
        except exceptions.FieldDoesNotExist:
            pass
        else:
            msg = "to_attr={} conflicts with a field on the {} model."
            raise ValueError(msg.format(to_attr, model.__name__))

    # Whether or not we're prefetching the last part of the lookup.
    leaf = len(lookup.prefetch_through.split(LOOKUP_SEP)) - 1 == level
    container = None  # the queryset each to-many cache entry is cloned from
    if not single and not as_attr and leaf and lookup.queryset is not None:
        container = _vinyl(lookup.queryset)

    for obj in instances:
        instance_attr_val = instance_attr(obj)
        vals = rel_obj_cache.get(instance_attr_val, [])

        if single:
            val = vals[0] if vals else None
            if as_attr:
                setattr(obj, to_attr, val)
            elif is_descriptor:
                setattr(obj, cache_name, val)
            else:
                obj._state.fields_cache[cache_name] = val
        elif as_attr:
            setattr(obj, to_attr, vals)
        else:
            manager = _related_manager(obj, to_attr)
            if container is None:
                container = _manager_queryset(manager)
            qs = manager._apply_rel_filters(
                _fresh(manager) if container is False else container._chain()
            )
            qs._result_cache = vals
            # The related objects' own prefetches are part of this run already.
            qs._prefetch_done = True
            obj._prefetched_objects_cache[cache_name] = qs
    return all_related_objects, additional_lookups


def _manager_queryset(manager: Any) -> Any:
    """What Django's ``manager.get_queryset()`` starts from, as a vinyl queryset.

    ``False`` (never a queryset's truth value: that would evaluate it) when it is
    the plain ``Manager.get_queryset()``: a new queryset per instance
    (:func:`_fresh`) is then cheaper than cloning one.
    """
    get_queryset = super(type(manager), manager).get_queryset
    if getattr(get_queryset, "__func__", None) is BaseManager.get_queryset:
        return False
    return _vinyl(get_queryset())


def _fresh(manager: Any) -> QuerySet:  # type: ignore[type-arg]
    """``BaseManager.get_queryset()`` of *manager*, as a vinyl queryset."""
    return QuerySet(model=twin_of(manager.model), using=manager._db, hints=manager._hints)


def _fetch_level(rel_qs: Any, prefetcher: Any, known: bool) -> list[Any]:
    """Evaluate the queryset of one level with vinyl (one statement).

    Raises ``NotSupportedError`` if a prefetcher vinyl does not know iterated its
    queryset before vinyl fetched it (it would have seen no related objects).
    """
    if isinstance(rel_qs, QuerySet):
        if getattr(rel_qs, "_iterated_before_fetch", False) and not known:
            raise NotSupportedError(
                f"vinyl cannot prefetch through {type(prefetcher).__qualname__}: its "
                "get_prefetch_querysets() reads the related objects itself, synchronously."
            )
        return rel_qs._evaluate()
    if isinstance(rel_qs, DjangoQuerySet):  # a third-party prefetcher's own queryset
        return _vinyl(rel_qs)._evaluate()
    return list(rel_qs)


def _fill_reverse_caches(
    prefetcher: Any,
    descriptor: Any,
    instances: list[Any],
    related: list[Any],
    instance_attr: Callable[[Any], Any],
) -> None:
    """What Django's descriptors do while iterating the level's queryset.

    - forward one-to-one: the related object's reverse cache → the instance;
    - reverse one-to-one: the related object's forward cache → the instance;
    - reverse foreign key: each related object's FK points to its instance.
    """
    if isinstance(prefetcher, ForwardManyToOneDescriptor):
        remote_field = prefetcher.field.remote_field
        if remote_field.multiple:
            return
        rel_obj_attr = prefetcher.field.get_foreign_related_value
        instances_dict = {instance_attr(inst): inst for inst in instances}
        for rel_obj in related:
            remote_field.set_cached_value(rel_obj, instances_dict[rel_obj_attr(rel_obj)])
    elif isinstance(prefetcher, ReverseOneToOneDescriptor):
        field = prefetcher.related.field
        rel_obj_attr = field.get_local_related_value
        instances_dict = {instance_attr(inst): inst for inst in instances}
        for rel_obj in related:
            field.set_cached_value(rel_obj, instances_dict[rel_obj_attr(rel_obj)])
    elif (
        isinstance(descriptor, ReverseManyToOneDescriptor)
        and not isinstance(descriptor, ManyToManyDescriptor)
        and not _is_generic_relation(descriptor)
    ):
        field = prefetcher.field
        rel_obj_attr = field.get_local_related_value
        instances_dict = {instance_attr(inst): inst for inst in instances}
        for rel_obj in related:
            if not field.is_cached(rel_obj):
                # Django's setattr(rel_obj, field.name, instance), on Django's descriptor.
                forward = getattr(_django_class(type(rel_obj)), field.name)
                forward.__set__(rel_obj, instances_dict[rel_obj_attr(rel_obj)])


def _prefetch_generic_foreign_key(
    prefetcher: Any, instances: list[Any], querysets: list[Any] | None
) -> tuple[list[Any], Any, Any, bool, str, bool]:
    """A GenericForeignKey level: one statement per content type, as in Django.

    Django's ``get_prefetch_querysets`` for a GFK evaluates its querysets itself, so
    its grouping is redone here; the matching functions are Django's own (asked
    for with no instances, which needs no I/O), so keys match on every version.
    """
    fields = _contenttypes()
    field = prefetcher if isinstance(prefetcher, fields.GenericForeignKey) else prefetcher.field
    _, django_rel_obj_attr, instance_attr, single, cache_name, is_descriptor = (
        prefetcher.get_prefetch_querysets([], None)
    )

    custom_queryset_dict = {}
    for queryset in querysets or ():
        ct = content_type_for_model(queryset.query.model, queryset.db, field.for_concrete_model)
        if ct.pk in custom_queryset_dict:
            raise ValueError("Only one queryset is allowed for each content type.")
        custom_queryset_dict[ct.pk] = queryset

    # Group the instances by content type, then one query per model.
    fk_dict: dict[Any, set[Any]] = defaultdict(set)
    instance_dict = {}  # one instance per content type, for its database
    ct_attname = field.model._meta.get_field(field.ct_field).attname
    for instance in instances:
        ct_id = getattr(instance, ct_attname)
        if ct_id is not None:
            # Django's matching function reads every instance's content type.
            content_type_by_id(ct_id, instance._state.db)
            fk_val = getattr(instance, field.fk_field)
            if fk_val is not None:
                fk_dict[ct_id].add(fk_val)
                instance_dict[ct_id] = instance

    related: list[Any] = []
    for ct_id, fkeys in fk_dict.items():
        if ct_id in custom_queryset_dict:
            queryset = custom_queryset_dict[ct_id].filter(pk__in=fkeys)
        else:
            instance = instance_dict[ct_id]
            ct = content_type_by_id(ct_id, instance._state.db)
            # ct.get_all_objects_for_this_type(): the model's base manager.
            queryset = QuerySet(model=twin_of(ct.model_class()), using=ct._state.db).filter(
                pk__in=fkeys
            )
        if hasattr(queryset, "fetch_mode"):  # Django 6.x
            queryset = queryset.fetch_mode(instances[0]._state.fetch_mode)
        related.extend(queryset._evaluate())

    def rel_obj_attr(obj: Any) -> Any:
        # Django keys related objects by (pk, class); the class of a vinyl instance
        # is the twin, the instances' side names the Django model.
        value, model = django_rel_obj_attr(obj)
        return value, _django_class(model)

    return related, rel_obj_attr, instance_attr, single, cache_name, is_descriptor
