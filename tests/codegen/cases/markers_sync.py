# generated from src/vinyl_async/markers.py by codegen — do not edit

from __future__ import annotations

import threading
from typing import Any

# The sync flavour.
LOCK_TYPE = threading.Lock

SYNC_ONLY = True


def close(conn: Any, *, force: bool = False) -> str:
    conn.close()
    if force:
        flavour = "forced"
    elif conn.open:
        flavour = "open"
    else:
        flavour = "closed"
    if conn.closed:
        pass
    else:
        flavour += " (sync)"
    return "a" + "-sync" + flavour


def describe(value: Any, a: str, b: str, c: str, d: int) -> str:
    kind = "value"
    suffix = "!" * 1 + ""
    return kind + (c * d) + (b or c) * 2 + suffix


class Manager:
    def get(self) -> int:
        return 1
