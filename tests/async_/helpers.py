"""Small helpers shared by the test modules (generated to sync like the tests)."""

from contextlib import contextmanager

from django.db.models import Model

from vinyl_async import observe_statements
from vinyl_async._compat import IS_ASYNC


async def fetch(queryset):
    """The results of a vinyl queryset as a list: ``await qs`` (async) / ``list(qs)`` (sync)."""
    if IS_ASYNC:
        return await queryset
    else:
        return list(queryset)


def row_of(value):
    """Comparable form of a result: a model instance becomes (class name, field values)."""
    if isinstance(value, Model):
        opts = value._meta
        fields = {
            f.attname: getattr(value, f.attname)
            for f in opts.concrete_fields
            if f.attname in value.__dict__
        }
        extra = {
            k: v for k, v in value.__dict__.items() if not k.startswith("_") and k not in fields
        }
        return (opts.object_name, fields, extra)
    if isinstance(value, dict):
        return {k: row_of(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return (
            type(value)(row_of(v) for v in value)
            if not hasattr(value, "_fields")
            else tuple(row_of(v) for v in value)
        )
    return value


def rows_of(values):
    return [row_of(v) for v in values]


class StatementLog(list):
    """Statements vinyl sent: (alias, sql, params)."""

    @property
    def count(self):
        return len(self)

    def sql(self):
        return [sql for _alias, sql, _params in self]


@contextmanager
def capture_statements():
    log = StatementLog()
    with observe_statements(lambda alias, sql, params: log.append((alias, sql, params))):
        yield log


#: Counts a test wants shown (operations, cancellations, hypothesis examples): printed
#: at once (visible with ``-s``) and again in pytest's terminal summary (conftest).
REPORT: list[str] = []


def report(line):
    """Print *line* and keep it for the "vinyl counts" section of the terminal summary."""
    print(line)
    REPORT.append(line)
