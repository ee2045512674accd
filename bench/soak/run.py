"""`make soak`: the cluster under a steady replay of the capacity shopper
model for a long while, sampling what a leak would grow.

Every ``SOAK_INTERVAL`` seconds: resident memory, open files and database
connections of every app worker and search server, the entries a worker's
memory tier and rendered-page memo hold and the searches whose counts a
search server keeps, the bytes of the host's object-cache store,
Redis's memory. The report (``var/soak/report.md``) gives each as a series
with its slope over the last half of the run (the samples themselves in
``series.json``: ``python -m bench.soak.report var/soak`` judges them
again); the run fails (exit status 1)
when a figure grows without bound: one with a bound past it, one without
by more than 5% over the last half. Workers are not recycled during a soak
(gunicorn's ``max_requests`` would hide a leak).

A cache fills towards its bound, and a worker's memory with it; a leak
never stops. Caches sized for a store's whole catalog take hours to fill at
a fraction of the peak, so the soak runs them smaller (the ``SOAK_*_ITEMS``
and ``_MB`` settings), full within the first half: the last half then
judges a store whose caches are full and evicting, where growth is a leak.

Settings (environment):
  SOAK_SECONDS    how long the replay is held           (3600)
  SOAK_RATE       multiple of the peak's arrivals       (1)
  SOAK_INTERVAL   seconds between samples               (10)
  SOAK_PRODUCTS   products seeded                       (20000)
  SOAK_WORKERS    gunicorn workers per app server       (2)
  SOAK_ACCOUNTS   customer accounts to log in as        (200)
  SOAK_MEMORY_ITEMS  each worker's memory tier          (5000 entries)
  SOAK_PAGE_ITEMS    each worker's rendered-page memo   (500 pages)
  SOAK_SEARCH_COUNTS each search server's counts kept   (256 searches)
  SOAK_STORE_MB      the host's object-cache store      (32)
  SOAK_REDIS_MB      Redis's memory                     (32)
  SOAK_DIR        where the report goes                 (var/soak)
  SOAK_PORT_OFFSET  moves every port of the cluster      (0)
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from bench.capacity import store
from bench.capacity.client import Pool
from bench.capacity.engine import Engine
from bench.soak import probes, report

EDGE, PG_PORT, REDIS_PORT = 8080, 5433, 6380


def setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


OFFSET = int(setting("SOAK_PORT_OFFSET", "0"))


def sample(cluster: store.Cluster, bounds: dict[str, float]) -> dict[str, float]:
    """Every figure now; the bound of each with one is put in ``bounds``."""
    pids = probes.workers(cluster.roots())
    values = probes.sample_workers(pids, PG_PORT + OFFSET)
    held_now = probes.held_entries(cluster.workdir / "c" / "metrics", pids)
    held_now |= probes.search_counts(cluster.log.read_text(errors="replace"))
    for name, (held, bound) in held_now.items():
        values[name] = held
        bounds[name] = bound
    cache = cluster.workdir / "c" / "cache" / "objects"
    values["object-cache store MiB"] = probes.store_bytes(cache) / 2**20
    values["redis memory MiB"] = probes.redis_memory(REDIS_PORT + OFFSET) / 2**20
    return values


def cache_bounds() -> tuple[dict[str, str], dict[str, str], dict[str, float]]:
    """(the app's settings, the cluster's environment, the report's bounds)
    of the soak's caches."""
    store_mb = int(setting("SOAK_STORE_MB", "32"))
    redis_mb = int(setting("SOAK_REDIS_MB", "32"))
    settings = {
        "cache.memory.arguments.max_items": setting("SOAK_MEMORY_ITEMS", "5000"),
        "cache.render.max_items": setting("SOAK_PAGE_ITEMS", "500"),
        "emporium.search.counts_cache": setting("SOAK_SEARCH_COUNTS", "256"),
        "cache.local.arguments.map_size": str(store_mb * 2**20),
    }
    env = {"EMPORIUM_REDIS_MAXMEMORY": f"{redis_mb}mb"}
    bounds = {"object-cache store MiB": store_mb, "redis memory MiB": redis_mb}
    return settings, env, bounds


async def soak(
    cluster: store.Cluster,
    catalog,
    multiple: float,
    seconds: float,
    interval: float,
    bounds: dict[str, float],
) -> tuple[dict[str, list[tuple[float, float]]], Counter]:
    pool = Pool("127.0.0.1", EDGE + OFFSET, size=2000)
    engine = Engine(pool, catalog, max_sessions=5000)
    series: dict[str, list[tuple[float, float]]] = defaultdict(list)
    statuses: Counter = Counter()
    start = time.monotonic()
    arrivals = asyncio.create_task(engine.arrive(multiple, seconds))
    try:
        while True:
            at = time.monotonic() - start
            for name, value in sample(cluster, bounds).items():
                series[name].append((at, value))
            # Only counts are kept: an hour of samples would grow the
            # generator, not the store.
            statuses.update(s.status for s in engine.samples)
            engine.samples.clear()
            engine.finished.clear()
            if arrivals.done():
                break
            await asyncio.wait({arrivals}, timeout=interval)
        arrivals.result()
    finally:
        await engine.finish()
        pool.close()
    statuses.update(s.status for s in engine.samples)
    return series, statuses


def main() -> None:
    out = Path(setting("SOAK_DIR", str(store.ROOT / "var" / "soak")))
    seconds = float(setting("SOAK_SECONDS", "3600"))
    multiple = float(setting("SOAK_RATE", "1"))
    interval = float(setting("SOAK_INTERVAL", "10"))
    products = int(setting("SOAK_PRODUCTS", "20000"))
    accounts = int(setting("SOAK_ACCOUNTS", "200"))
    workdir = out / "cluster"
    shutil.rmtree(workdir, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    settings, env, bounds = cache_bounds()
    (workdir / "c").mkdir(parents=True, exist_ok=True)
    (workdir / "c" / "local.ini").write_text(
        "[app:main]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items())
    )
    cluster = store.Cluster(
        workdir,
        products,
        int(setting("SOAK_WORKERS", "2")),
        {
            # Every shopper comes from 127.0.0.1: the edge's limits are lifted.
            "EMPORIUM_EDGE_RATE": "1000000",
            "EMPORIUM_EDGE_BURST": "1000000",
            "EMPORIUM_MAX_REQUESTS": "0",
            "EMPORIUM_CLUSTER_PORT_OFFSET": str(OFFSET),
            **env,
        },
    )
    print(f"soak: starting the cluster with {products:,} products", flush=True)
    cluster.start()
    began = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    try:
        database = f"postgresql://emporium@127.0.0.1:{PG_PORT + OFFSET}/emporium"
        store.make_accounts(accounts, database)
        catalog = store.catalog(database, accounts=accounts)
        print(f"soak: ×{multiple:g} for {seconds:g} s", flush=True)
        series, statuses = asyncio.run(
            soak(cluster, catalog, multiple, seconds, interval, bounds)
        )
    finally:
        cluster.stop()
    answered = sum(statuses.values())
    failed = sum(n for status, n in statuses.items() if status == 0 or status >= 500)
    facts = [
        f"Began {began}: ×{multiple:g} of the peak's arrivals for {seconds:g} s,"
        f" {products:,} products, sampled every {interval:g} s.",
        "Caches: "
        + ", ".join(f"{k} = {v}" for k, v in settings.items())
        + f"; Redis at most {env['EMPORIUM_REDIS_MAXMEMORY']}.",
        f"Requests: {answered:,}, of which {failed:,} failed (no answer or 5xx);"
        f" by status: {', '.join(f'{s}: {n:,}' for s, n in sorted(statuses.items()))}.",
    ]
    lines, grown = report.write(out, dict(series), facts, bounds)
    print("\n".join(lines[: lines.index("## Series")]))
    print(lines[-1])
    sys.exit(1 if grown else 0)


if __name__ == "__main__":
    main()
