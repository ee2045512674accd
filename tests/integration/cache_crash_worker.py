"""The processes of the kill -9 test: ``python -m
tests.integration.cache_crash_worker seed|write|read PATH [GENERATION]``.

Each value names its key and carries a checksum of itself, so that a torn or
mixed write shows as a value that does not match.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time

from dogpile.cache.api import NO_VALUE

from emporium.cache.entries import make_entry
from emporium.cache.local import LmdbBackend

MAP_SIZE = 64 << 20
FIXED = [f"fixed:{i}" for i in range(100)]
KEYS = [f"core:{i}" for i in range(5000)]


def _digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def value(key: str, generation: int) -> dict:
    size = 50 + int(hashlib.md5(key.encode()).hexdigest()[:4], 16) % 3000
    body = {"key": key, "generation": generation, "pad": "x" * size}
    return body | {"sum": _digest(body)}


def valid(key: str, body) -> bool:
    if not isinstance(body, dict) or "sum" not in body:
        return False
    rest = {k: v for k, v in body.items() if k != "sum"}
    return rest.get("key") == key and body["sum"] == _digest(rest)


def seed(path: str) -> None:
    tier = LmdbBackend({"path": path, "map_size": MAP_SIZE})
    tier.set_multi({key: make_entry(value(key, 0), 3600) for key in FIXED})


def write(path: str, generation: int) -> None:
    tier = LmdbBackend({"path": path, "map_size": MAP_SIZE})
    tier.get_multi(FIXED[:1])
    print("writing", flush=True)
    batch = 0
    while True:
        batch += 1
        keys = [KEYS[(batch * 7919 + i) % len(KEYS)] for i in range(1 + batch % 200)]
        tier.set_multi({key: make_entry(value(key, generation), 3600) for key in keys})
        if batch % 13 == 0:
            tier.delete_multi(keys[:5])


def read(path: str) -> None:
    started = time.monotonic()
    tier = LmdbBackend({"path": path, "map_size": MAP_SIZE})
    fixed = tier.get_multi(FIXED)
    written = tier.get_multi(KEYS)
    # A start writes too: no lock may be left held by the dead writer.
    tier.set_multi({"probe:0": make_entry({"ok": True}, 60)})
    probe = tier.get_multi(["probe:0"])[0].payload
    seconds = time.monotonic() - started
    bad = [k for k, e in zip(FIXED, fixed, strict=True) if e is NO_VALUE]
    bad += [
        k
        for k, e in zip(FIXED + KEYS, fixed + written, strict=True)
        if e is not NO_VALUE and not valid(k, e.payload)
    ]
    present = sum(e is not NO_VALUE for e in written)
    report = {"seconds": seconds, "bad": bad[:5], "present": present, "probe": probe}
    print(json.dumps(report))


if __name__ == "__main__":
    command, path, *rest = sys.argv[1:]
    if command == "seed":
        seed(path)
    elif command == "write":
        write(path, int(rest[0]))
    else:
        read(path)
