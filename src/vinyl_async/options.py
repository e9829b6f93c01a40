"""vinyl's own per-alias settings: the ``"VINYL"`` key of a ``DATABASES`` entry.

Pool keys use psycopg_pool's names on every backend::

    "VINYL": {
        "pool": {"min_size": 1, "max_size": 10, "timeout": 30,
                 "max_lifetime": 3600, "max_idle": 600},
        "connect_timeout": 10,
    }
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from .exceptions import ConfigurationError

_TOP_LEVEL_KEYS = {"pool", "connect_timeout"}


@dataclass(frozen=True, slots=True)
class PoolOptions:
    min_size: int = 1
    max_size: int = 10
    timeout: float = 30.0
    max_lifetime: float = 3600.0
    max_idle: float = 600.0


@dataclass(frozen=True, slots=True)
class VinylOptions:
    pool: PoolOptions = PoolOptions()
    connect_timeout: float = 10.0

    @classmethod
    def from_settings(cls, alias: str, settings_dict: Mapping[str, Any]) -> VinylOptions:
        raw = settings_dict.get("VINYL") or {}
        if not isinstance(raw, Mapping):
            raise ConfigurationError(
                f"DATABASES[{alias!r}]['VINYL'] must be a dict, not {type(raw).__name__}."
            )
        unknown = set(raw) - _TOP_LEVEL_KEYS
        if unknown:
            raise ConfigurationError(
                f"Unknown option(s) {sorted(unknown)} in DATABASES[{alias!r}]['VINYL']; "
                f"known: {sorted(_TOP_LEVEL_KEYS)}."
            )
        pool_raw = raw.get("pool") or {}
        if not isinstance(pool_raw, Mapping):
            raise ConfigurationError(
                f"DATABASES[{alias!r}]['VINYL']['pool'] must be a dict, not {type(pool_raw).__name__}."
            )
        known_pool = {f.name for f in fields(PoolOptions)}
        unknown = set(pool_raw) - known_pool
        if unknown:
            raise ConfigurationError(
                f"Unknown pool option(s) {sorted(unknown)} in "
                f"DATABASES[{alias!r}]['VINYL']['pool']; known: {sorted(known_pool)}."
            )
        for key, value in pool_raw.items():
            _check_number(alias, f"['pool'][{key!r}]", value, integer=key.endswith("_size"))
        pool = PoolOptions(**pool_raw)
        if pool.max_size < 1 or pool.min_size < 0 or pool.min_size > pool.max_size:
            raise ConfigurationError(
                f"DATABASES[{alias!r}]['VINYL']['pool']: need 0 <= min_size <= max_size "
                f"and max_size >= 1 (got min_size={pool.min_size}, max_size={pool.max_size})."
            )
        connect_timeout = raw.get("connect_timeout", 10.0)
        _check_number(alias, "['connect_timeout']", connect_timeout, integer=False)
        return cls(pool=pool, connect_timeout=float(connect_timeout))


def _check_number(alias: str, where: str, value: Any, integer: bool) -> None:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < 0:
        expected = "a non-negative integer" if integer else "a non-negative number of seconds"
        raise ConfigurationError(
            f"DATABASES[{alias!r}]['VINYL']{where} must be {expected}, not {value!r}."
        )
