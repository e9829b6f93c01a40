"""Run Django's own test modules against vinyl_sync (imported by the conformance settings).

What it does, once Django's test runner has set Django up (``ConformanceRunner.__init__``):

1. **Managers.** On every model of the selected test apps, each manager that is a plain
   ``django.db.models.Manager`` (``objects`` and friends) is shadowed by a class attribute
   ``VinylManager()``: ``Article.objects`` is what ``Article.vinyl`` would be: a vinyl_sync
   manager whose querysets, ``create()``, ``bulk_create()``, ``get_or_create()``... run
   through vinyl. Managers of custom classes (extra methods, filtering ``get_queryset``)
   are left to Django, and so is ``_meta.default_manager`` / ``_base_manager``, which
   Django's internals use (vinyl never replaces those, see docs/differences.md).
2. **Instances.** ``Model.__new__`` makes ``Article(...)`` an instance of the vinyl twin
   (``Article.vinyl.model``), so ``save()``, ``delete()``, ``refresh_from_db()`` and the
   relation attributes are vinyl's, as they are on instances vinyl returns.
3. **One connection.** Django's ``TestCase`` isolates tests in a transaction on Django's
   connection. For tests that mix vinyl with what Django still does itself (fixtures,
   ``_base_manager``, raw cursors) to see one database state, vinyl_sync is given Django's
   own connection of each alias instead of its pool, and vinyl's transactions become
   savepoints while Django has a transaction open (a real BEGIN/COMMIT otherwise).
   Statements vinyl sends are appended to Django's ``connection.queries_log``, so
   ``assertNumQueries`` / ``CaptureQueriesContext`` count them.
4. **Results.** Each test's outcome is written to ``$VINYL_CONFORMANCE_RESULTS`` (JSON) for
   ``conformance/run.py`` to compare with ``conformance/expectations.toml``.
"""

from __future__ import annotations

import json
import os
import sys
import unittest

from django.db import connections as django_connections
from django.test.runner import DiscoverRunner

_patched = False


# --------------------------------------------------------------------------- connection


class _LazyConnection:
    """Django's DB-API connection of an alias, connected on first use.

    vinyl takes a connection before it knows whether a statement will be sent (a
    query that is empty, like ``none().values()``, sends none); Django's test
    case classes that forbid database access refuse the connect, not the checkout.
    """

    __slots__ = ("_alias",)

    def __init__(self, alias: str):
        self._alias = alias

    @property
    def _raw(self):
        wrapper = django_connections[self._alias]
        # vinyl runs inside Django's transaction here, so it honours its broken state
        # (Django's cursor checks this before every statement).
        wrapper.validate_no_broken_transaction()
        wrapper.ensure_connection()
        return wrapper.connection

    def __getattr__(self, name):
        return getattr(self._raw, name)


class _DjangoConnectionPool:
    """A vinyl pool that hands out Django's own DB-API connection of the alias."""

    def __init__(self, alias: str):
        self.alias = alias

    def acquire(self, timeout=None):
        return _LazyConnection(self.alias)

    def release(self, conn, discard=False):
        pass

    def close(self):
        pass

    def get_stats(self):
        return {}


def _patch_connections() -> None:
    from vinyl_sync import connections as vconn
    from vinyl_sync.adapters import base

    pools: dict[str, _DjangoConnectionPool] = {}

    def pool(self):
        return pools.setdefault(self.alias, _DjangoConnectionPool(self.alias))

    vconn.Database.pool = property(pool)

    stacks: dict[str, list[str | None]] = {}
    counter = [0]

    def in_django_transaction(alias: str) -> bool:
        wrapper = django_connections[alias]
        return wrapper.in_atomic_block or not wrapper.get_autocommit()

    def begin(self, conn):
        stack = stacks.setdefault(self.alias, [])
        if in_django_transaction(self.alias):
            counter[0] += 1
            sid = f"vinyl_conf_{counter[0]}"
            self.execute(conn, f'SAVEPOINT "{sid}"', None)
            stack.append(sid)
        else:
            self.execute(conn, self.begin_sql(), None)
            stack.append(None)

    def commit(self, conn):
        sid = stacks[self.alias].pop() if stacks.get(self.alias) else None
        try:
            if sid:
                self.execute(conn, f'RELEASE SAVEPOINT "{sid}"', None)
            else:
                self.execute(conn, "COMMIT", None)
        except Exception:
            # vinyl closes a connection whose COMMIT failed (the server then rolls back);
            # Django's connection is kept, so roll back here. (SQLite keeps the
            # transaction open when a deferred foreign key fails at COMMIT.)
            try:
                if sid:
                    self.execute(conn, f'ROLLBACK TO SAVEPOINT "{sid}"', None)
                    self.execute(conn, f'RELEASE SAVEPOINT "{sid}"', None)
                elif self.in_transaction(conn):
                    self.execute(conn, "ROLLBACK", None)
            except Exception:  # noqa: BLE001
                pass
            raise

    def rollback(self, conn):
        sid = stacks[self.alias].pop() if stacks.get(self.alias) else None
        if sid:
            self.execute(conn, f'ROLLBACK TO SAVEPOINT "{sid}"', None)
            self.execute(conn, f'RELEASE SAVEPOINT "{sid}"', None)
        else:
            self.execute(conn, "ROLLBACK", None)

    classes = {base.Adapter}
    classes.update(base.Adapter.__subclasses__())
    for module in ("sqlite", "postgresql"):
        try:
            mod = __import__(f"vinyl_sync.adapters.{module}", fromlist=["x"])
        except ImportError:
            continue
        for obj in vars(mod).values():
            if isinstance(obj, type) and issubclass(obj, base.Adapter):
                classes.add(obj)
    for cls in classes:
        for name, fn in (("begin", begin), ("commit", commit), ("rollback", rollback)):
            if name in vars(cls):
                setattr(cls, name, fn)

    def log_statement(alias, sql, params):
        wrapper = django_connections[alias]
        if not wrapper.queries_logged:
            return
        if params is None and sql.split(" ", 1)[0] in ("BEGIN", "COMMIT", "ROLLBACK"):
            return
        text = sql
        try:
            if wrapper.vendor == "postgresql":
                text = wrapper.ops.compose_sql(sql, params)
            elif params is not None:
                text = wrapper.ops.last_executed_query(None, sql, params)
        except Exception:  # noqa: BLE001 - executemany parameter lists and the like
            pass
        wrapper.queries_log.append({"sql": text, "time": "0.000"})

    vconn._observers.append(log_statement)


# --------------------------------------------------------------------------- models


def patch_models(app_labels: set[str]) -> None:
    global _patched
    if _patched:
        return
    _patched = True
    from django.apps import apps
    from django.db import models
    from django.db.models.base import Model

    from vinyl_sync import VinylManager
    from vinyl_sync.instances import twin_of

    _patch_connections()
    patched: set[type] = set()
    replaced = kept = 0
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in app_labels:
            continue
        patched.add(model)
        for manager in model._meta.managers:
            if type(manager) is models.Manager and manager.name:
                descriptor = VinylManager()
                descriptor.contribute_to_class(model, manager.name)
                replaced += 1
            else:
                kept += 1
    print(
        f"vinyl conformance: {len(patched)} models are vinyl twins on instantiation; "
        f"{replaced} managers replaced by VinylManager, {kept} custom managers left to Django",
        file=sys.stderr,
        flush=True,
    )
    twins: dict[type, type] = {}

    def __new__(cls, *args, **kwargs):
        if cls in patched:
            target = twins.get(cls)
            if target is None:
                target = twins.setdefault(cls, twin_of(cls))
            return object.__new__(target)
        return object.__new__(cls)

    Model.__new__ = __new__


# --------------------------------------------------------------------------- runner


class RecordingResult(unittest.TextTestResult):
    outcomes: dict[str, dict] = {}

    def _record(self, test, outcome, err=None):
        test_id = test.id()
        detail = ""
        if err is not None:
            try:
                detail = self._exc_info_to_string(err, test)
            except Exception:  # noqa: BLE001 - already a string (parallel runner)
                detail = str(err)
        previous = self.outcomes.get(test_id)
        if previous and previous["outcome"] in ("failure", "error") and outcome == "success":
            return
        self.outcomes[test_id] = {"outcome": outcome, "detail": detail[-3000:]}

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, "success")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, "failure", err)

    def addError(self, test, err):
        super().addError(test, err)
        self._record(test, "error", err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._record(test, "skip")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._record(test, "success")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._record(test, "failure")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            failed = isinstance(err, tuple) and issubclass(err[0], test.failureException)
            self._record(test, "failure" if failed else "error", err)


def _app_labels() -> set[str]:
    return {label.split(".")[0] for label in os.environ["VINYL_CONFORMANCE_APPS"].split(",")}


def _init_worker(*args, **kwargs):
    """A --parallel worker: Django's set-up, then the patches (a no-op if forked after them)."""
    _django_init_worker(*args, **kwargs)
    patch_models(_app_labels())


_django_init_worker = DiscoverRunner.parallel_test_suite.init_worker


class ConformanceParallelTestSuite(DiscoverRunner.parallel_test_suite):
    init_worker = _init_worker


class ConformanceRunner(DiscoverRunner):
    parallel_test_suite = ConformanceParallelTestSuite

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        patch_models(_app_labels())

    def get_resultclass(self):
        return RecordingResult

    def run_suite(self, suite, **kwargs):
        result = super().run_suite(suite, **kwargs)
        path = os.environ.get("VINYL_CONFORMANCE_RESULTS")
        if path:
            with open(path, "w") as fh:
                json.dump(RecordingResult.outcomes, fh, indent=0, sort_keys=True)
        return result
