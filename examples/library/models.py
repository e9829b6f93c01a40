"""A small library: authors and their books, with Django's manager and both vinyl flavors.

    Book.objects   Django's own manager, untouched
    Book.vinyl     vinyl_async: await Book.vinyl.filter(...)
    Book.sync      vinyl_sync:  Book.sync.filter(...)

An application picks one flavor; the demo shows both on the same models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

import vinyl_async
import vinyl_sync


class Model(models.Model):
    """Abstract base of the models below: tells type checkers about vinyl's obj["relation"]."""

    if TYPE_CHECKING:

        def __getitem__(self, relation: str) -> Any: ...

    class Meta:
        abstract = True


class Author(Model):
    name = models.CharField(max_length=100)

    objects = models.Manager()
    vinyl = vinyl_async.VinylManager()
    sync = vinyl_sync.VinylManager()

    def __str__(self) -> str:
        return self.name


class Book(Model):
    title = models.CharField(max_length=200)
    year = models.IntegerField()
    copies = models.IntegerField(default=1)
    author = models.ForeignKey(Author, models.CASCADE, related_name="books")

    objects = models.Manager()
    vinyl = vinyl_async.VinylManager()
    sync = vinyl_sync.VinylManager()

    def __str__(self) -> str:
        return self.title
