"""The service's models: plain Django models with a vinyl manager.

This package is not a Django app in INSTALLED_APPS: after vinyl_async.configure(), its
models get the app label "starlette_app" (the package's name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

import vinyl_async


class Model(models.Model):
    """Abstract base: tells type checkers that vinyl instances have obj["relation"]."""

    if TYPE_CHECKING:

        def __getitem__(self, relation: str) -> Any: ...

    class Meta:
        abstract = True


class Author(Model):
    name = models.CharField(max_length=100, unique=True)

    vinyl = vinyl_async.VinylManager()


class Book(Model):
    title = models.CharField(max_length=200)
    year = models.IntegerField()
    author = models.ForeignKey(Author, models.CASCADE, related_name="books")

    vinyl = vinyl_async.VinylManager()
