"""What the soak samples, read from outside the store: ``/proc`` for each
app worker, the cache store's file, Redis's own figures."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (a gunicorn master's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def resident_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _database_inodes(port: int) -> set[str]:
    """Inodes of the host's TCP sockets connected to PostgreSQL."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    return inodes


def workers(roots: dict[int, str]) -> dict[str, int]:
    """``appN/pid`` of every worker of every app server, and ``searchN/pid``
    of every search server (a process of its own) -> its pid."""
    found = {}
    for root, name in sorted(roots.items(), key=lambda item: item[1]):
        if name.startswith("app"):
            for pid in children(root):
                found[f"{name}/{pid}"] = pid
        elif name.startswith("search"):
            found[f"{name}/{root}"] = root
    return found


def sample_workers(pids: dict[str, int], database_port: int) -> dict[str, float]:
    """Resident memory (MiB), open files and database connections of each
    worker; a worker gone since it was listed is left out."""
    database = _database_inodes(database_port)
    values: dict[str, float] = {}
    for label, pid in pids.items():
        try:
            values[f"{label} rss MiB"] = resident_bytes(pid) / 2**20
            values[f"{label} open files"] = open_files(pid)
            values[f"{label} db connections"] = len(_socket_inodes(pid) & database)
        except OSError:
            continue
    return values


def store_bytes(path: Path) -> int:
    """Bytes the host's object-cache store takes on disk (LMDB's file is
    sparse: its blocks, not its length)."""
    total = 0
    for name in ("data.mdb", "lock.mdb"):
        try:
            total += os.stat(path / name).st_blocks * 512
        except OSError:
            continue
    return total


def redis_memory(port: int) -> int:
    import redis

    client = redis.Redis(port=port, socket_timeout=2)
    try:
        return int(client.info("memory")["used_memory"])
    except redis.RedisError:
        return 0
    finally:
        client.close()


def held_entries(metrics: Path, pids: dict[str, int]) -> dict[str, tuple[float, float]]:
    """``"appN/pid memory entries"`` -> (entries held, their bound) of each
    worker's memory tier and rendered-page memo, from the counters each
    worker publishes under ``metrics/<port>/<pid>-*.json``."""
    found: dict[str, tuple[float, float]] = {}
    for label, pid in pids.items():
        for path in metrics.glob(f"*/{pid}-*.json"):
            try:
                families = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # being replaced: the next sample reads it
            held = families.get("emporium_cache_entries", {}).get("samples", [])
            limits = {
                labels["store"]: value
                for _, labels, value in families.get(
                    "emporium_cache_entries_limit", {}
                ).get("samples", [])
            }
            for _, labels, value in held:
                store = labels["store"]
                if store in limits:
                    found[f"{label} {store} entries"] = (value, limits[store])
    return found


def search_counts(log: str) -> dict[str, tuple[float, float]]:
    """``"searchN/pid counts entries"`` -> (searches whose counts it keeps,
    its bound) of each search server the cluster's ``log`` names, from its
    /health."""
    found: dict[str, tuple[float, float]] = {}
    for name, port, pid in re.findall(
        r"cluster: (search\d+) on 127\.0\.0\.1:(\d+) \(pid (\d+)\)", log
    ):
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/health", timeout=2
            ) as response:
                held = json.loads(response.read())["counts_cache"]
        except (OSError, ValueError, KeyError):
            continue  # down or busy for a moment: the next sample reads it
        found[f"{name}/{pid} counts entries"] = (held["entries"], held["limit"])
    return found
