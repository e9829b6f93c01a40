"""Ordinary Django models (migrations, admin, ``objects`` unchanged) plus vinyl managers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

import vinyl_async
import vinyl_sync


class Model(models.Model):
    """Abstract base: tells type checkers that vinyl instances have obj["relation"]."""

    if TYPE_CHECKING:

        def __getitem__(self, relation: str) -> Any: ...

    class Meta:
        abstract = True


class Author(Model):
    name = models.CharField(max_length=100, unique=True)

    objects = models.Manager()  # Django's ORM, untouched
    vinyl = vinyl_async.VinylManager()  # async views: await Author.vinyl.get(...)
    sync = vinyl_sync.VinylManager()  # sync views: Author.sync.get(...)


class Book(Model):
    title = models.CharField(max_length=200)
    year = models.IntegerField()
    author = models.ForeignKey(Author, models.CASCADE, related_name="books")

    objects = models.Manager()
    vinyl = vinyl_async.VinylManager()
    sync = vinyl_sync.VinylManager()
