# generated from src/vinyl_async/_compat.py by codegen — do not edit

"""A miniature ``_compat``: the marker is defined here, so ``IS_ASYNC = True`` flips."""

from __future__ import annotations

from typing import TypeVar

IS_ASYNC = False

_F = TypeVar("_F")


def async_only(obj: _F) -> _F:
    return obj


import threading
import time

Lock = threading.Lock


def sleep(seconds: float) -> None:
    time.sleep(seconds)
