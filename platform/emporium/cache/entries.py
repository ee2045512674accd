"""Cache entries: a value with its creation time and deadline, and their
byte form for the tiers that live outside the process.

JSON, not pickle: a value read from a shared store (Redis, a file other
processes write) is data, never code to run.
"""

from __future__ import annotations

import json
import time
from typing import Any

from dogpile.cache.api import NO_VALUE, CachedValue
from dogpile.cache.region import value_version

_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_decode = json.JSONDecoder().decode


def make_entry(payload: Any, ttl: float, now: float | None = None) -> CachedValue:
    created = time.time() if now is None else now
    return CachedValue(payload, {"ct": created, "v": value_version, "x": created + ttl})


def deadline(entry: CachedValue) -> float:
    return entry.metadata["x"]


def encode(entry: CachedValue) -> bytes:
    metadata = entry.metadata
    return _encoder.encode([entry.payload, metadata["ct"], metadata["x"]]).encode()


def decode(raw: bytes | str | None):
    """The entry in ``raw``, or ``NO_VALUE`` when it is absent or unreadable."""
    if raw is None:
        return NO_VALUE
    try:
        payload, created, expires = _decode(
            raw.decode() if isinstance(raw, bytes | bytearray | memoryview) else raw
        )
    except (ValueError, TypeError, UnicodeDecodeError):
        return NO_VALUE
    return CachedValue(payload, {"ct": created, "v": value_version, "x": expires})
