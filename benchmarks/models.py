"""The benchmark's models, built once per vinyl package on the same tables.

vinyl_async and vinyl_sync each need models carrying their own ``VinylManager``.
:func:`build_models` builds a set of model classes for a manager class under an
app label; both sets point at the same ``bench_*`` tables through ``Meta.db_table``,
so every system reads and writes the same rows. Django's ORM runs on the first set
(the models' ``objects`` manager is Django's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

#: every table the harness creates (and drops), children last
TABLES = ("bench_author", "bench_book", "bench_counter", "bench_note")


@dataclass(frozen=True)
class ModelSet:
    Author: Any
    Book: Any
    Counter: Any
    Note: Any

    def all(self) -> tuple[Any, ...]:
        return (self.Author, self.Book, self.Counter, self.Note)


def build_models(manager_class: type | None, app_label: str) -> ModelSet:
    """Model classes for *app_label* (not an installed app: Django registers them under
    the label without an AppConfig), with ``vinyl = manager_class()`` when given."""

    def model(name: str, table: str, fields: dict[str, Any]) -> Any:
        meta = type("Meta", (), {"app_label": app_label, "db_table": table})
        attrs: dict[str, Any] = {"__module__": __name__, "Meta": meta, **fields}
        attrs["objects"] = models.Manager()
        if manager_class is not None:
            attrs["vinyl"] = manager_class()
        return type(name, (models.Model,), attrs)

    author = model(
        "Author",
        "bench_author",
        {
            "name": models.CharField(max_length=100),
            "email": models.CharField(max_length=200),
            "created": models.DateTimeField(),
        },
    )
    book = model(
        "Book",
        "bench_book",
        {
            "author": models.ForeignKey(author, models.CASCADE, related_name="books"),
            "title": models.CharField(max_length=200),
            "pages": models.IntegerField(),
            "price": models.DecimalField(max_digits=8, decimal_places=2),
            "published": models.DateField(),
            "in_print": models.BooleanField(default=True),
            # 100 books per group: the filter100 workload selects one group
            "group": models.IntegerField(db_index=True),
        },
    )
    counter = model(
        "Counter",
        "bench_counter",
        {"label": models.CharField(max_length=50), "value": models.IntegerField()},
    )
    note = model(
        "Note",
        "bench_note",
        {
            "title": models.CharField(max_length=200),
            "value": models.IntegerField(),
            "created": models.DateTimeField(),
        },
    )
    return ModelSet(author, book, counter, note)
