"""The object cache: the time of a product read from each tier against the
database fetch it replaces, through the same model code; then a replay of
200,000 product reads drawn from a Zipf distribution (s = 1.0) over 100,000
products, with the hit ratio of each tier and overall. Time-to-lives run on
a modeled clock during the replay (``RATE`` reads a second), so that a busy
machine does not expire entries a real store would still hold.

``python bench/cache.py`` (``make bench`` runs it). Ends with ``name: value``
lines. Tier 3 (Redis) is measured when Debian's redis-server is there.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import shutil
import tempfile
import time
from pathlib import Path

from _catalog import seeded_database, settings_for

from emporium.cache.local import LmdbBackend, SqliteBackend
from emporium.cache.memory import MemoryBackend
from emporium.cache.services import (
    ObjectCache,
    cache_from_settings,
    make_object_region,
)
from emporium.cache.shared import RedisBackend
from emporium.config import configure
from emporium_catalog.products import CARD, ProductCatalog

PRODUCTS = 100_000
READS = 200_000
ZIPF_S = 1.0
# The rate the replay models: a busy store's product reads a second (2.5
# million pages an hour is ~700 pages a second, each showing ~15 products).
RATE = 10_000
SAMPLE = 2_000  # products timed per tier
ROUNDS = 5


def timed_pass(catalog: ProductCatalog, ids: list[int]) -> float:
    """Microseconds per product read (core, pricing, inventory)."""
    started = time.perf_counter()
    for product_id in ids:
        catalog.load(product_id, CARD)
    return (time.perf_counter() - started) / len(ids) * 1e6


def tier_timings(registry, redis_url: str | None, workdir: Path):
    """Each tier alone (and the database alone: no tier) behind the same
    façade; passes interleaved so that a busy machine slows all alike; the
    best pass of each counts."""
    ids = random.Random(1).sample(range(1, PRODUCTS + 1), SAMPLE)
    tiers = {
        "db": None,
        "memory": MemoryBackend({"max_items": 100_000}),
        "local": LmdbBackend({"path": str(workdir / "lmdb")}),
        "local_sqlite": SqliteBackend({"path": str(workdir / "objects.sqlite")}),
    }
    if redis_url:
        tiers["redis"] = RedisBackend({"url": redis_url, "prefix": "bench:"})
    catalogs = {}
    for name, backend in tiers.items():
        if backend is not None:
            backend.name = name.split("_")[0]
        cache = ObjectCache(make_object_region([] if backend is None else [backend]))
        catalogs[name] = ProductCatalog(cache, registry, registry["dbsession_factory"])
        catalogs[name].load_many(ids, CARD)  # warm (the database: its page cache)
    timings: dict[str, list[float]] = {name: [] for name in tiers}
    for _ in range(ROUNDS):
        for name, catalog in catalogs.items():
            timings[name].append(timed_pass(catalog, ids))
    for catalog in catalogs.values():
        catalog.cache.close()
    return {name: min(values) for name, values in timings.items()}


def zipf_ids(rng: random.Random, count: int) -> list[int]:
    """``count`` product ids, the k-th most popular drawn with weight 1/k^s;
    popularity is shuffled over the ids."""
    ranked = list(range(1, PRODUCTS + 1))
    rng.shuffle(ranked)
    weights = itertools.accumulate(1 / k**ZIPF_S for k in range(1, PRODUCTS + 1))
    return rng.choices(ranked, cum_weights=list(weights), k=count)


class ModelClock:
    """Time as the replay models it: every product read takes 1/RATE s.

    Time-to-lives run on it, so that expiries happen as they would for a
    store serving RATE product reads a second, however busy this machine is.
    """

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def tick(self, reads: int = 1) -> None:
        self.now += reads / RATE


def replay(settings: dict, registry) -> dict:
    """The default tiers and time-to-lives of the settings, fresh stores."""
    cache = cache_from_settings(settings)
    clock = ModelClock()
    cache.backend.clock = clock
    made = []
    catalog = ProductCatalog(cache, registry, registry["dbsession_factory"])
    original = catalog._make

    def counting(keys):
        made.append(len(keys))
        return original(keys)

    catalog._make = counting
    started = time.perf_counter()
    # Warm-up, as a cache warmer or the listing pages do: every product once.
    for start in range(1, PRODUCTS + 1, 1000):
        batch = range(start, min(start + 1000, PRODUCTS + 1))
        catalog.load_many(batch, CARD)
        clock.tick(len(batch))
    warmed = time.perf_counter() - started
    cache.counters.reset()
    made.clear()
    draws = zipf_ids(random.Random(2), READS)
    modeled = clock.now
    started = time.perf_counter()
    for product_id in draws:
        catalog.load(product_id, CARD)
        clock.tick()
    seconds = time.perf_counter() - started
    modeled = clock.now - modeled
    stats = cache.stats()
    cache.backend.clear()
    cache.close()
    result = {
        "warm_up_s": warmed,
        "replay_s": seconds,
        "modeled_s": modeled,
        "db_keys": sum(made),
    }
    result["overall"] = stats["hit_ratio"]
    result["tiers"] = {}
    for tier in stats["tier_order"]:
        counts = stats["tiers"].get(tier, {"hits": 0, "misses": 0})
        result["tiers"][tier] = (counts["hits"], counts["hits"] + counts["misses"])
    return result


@contextlib.contextmanager
def maybe_redis(workdir: Path):
    try:
        from tests.services import redis_server

        with redis_server(workdir / "redis") as url:
            yield url
    except BaseException as exc:  # pytest's skip is a BaseException
        if isinstance(exc, KeyboardInterrupt):
            raise
        print(f"# redis unavailable ({type(exc).__name__}): tier 3 not measured")
        yield None


def main() -> None:
    database = seeded_database(PRODUCTS)
    workdir = Path(tempfile.mkdtemp(prefix="emporium-bench-cache-"))
    try:
        settings = settings_for(database, workdir)
        config = configure(dict(settings))
        config.commit()
        registry = config.registry
        with maybe_redis(workdir) as redis_url:
            timings = tier_timings(registry, redis_url, workdir)
            tiers = "memory local" + (" redis" if redis_url else "")
            replay_settings = dict(settings, **{"cache.tiers": tiers})
            if redis_url:
                replay_settings["cache.redis.arguments.url"] = redis_url
            replay_settings["cache.local.arguments.path"] = str(workdir / "zipf")
            warm = replay(replay_settings, registry)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"products: {PRODUCTS}")
    print("read: core + pricing + inventory of one product, microseconds")
    for name, micros in timings.items():
        print(f"read_us_{name}: {micros:.1f}")
    for name, micros in timings.items():
        if name != "db":
            print(f"speedup_{name}: {timings['db'] / micros:.1f}")
    print(f"zipf_reads: {READS}")
    print(f"zipf_s: {ZIPF_S}")
    print(f"zipf_warm_up_s: {warm['warm_up_s']:.1f}")
    print(f"zipf_replay_s: {warm['replay_s']:.1f}")
    print(f"zipf_modeled_reads_per_s: {RATE}")
    print(f"zipf_modeled_replay_s: {warm['modeled_s']:.1f}")
    # Each tier's ratio is of the reads that reached it.
    for tier, (hits, lookups) in warm["tiers"].items():
        print(f"lookups_{tier}: {lookups}")
        print(
            f"hit_ratio_{tier}: {hits / lookups:.4f}"
            if lookups
            else f"hit_ratio_{tier}: -"
        )
    print(f"hit_ratio_overall: {warm['overall']:.4f}")
    print(f"zipf_database_keys: {warm['db_keys']}")


if __name__ == "__main__":
    main()
