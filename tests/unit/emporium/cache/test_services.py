"""The object cache service: fill, time-to-live per partition, negative
caching, invalidation and the dogpile lock."""

from __future__ import annotations

import threading
import time

import pytest
from dogpile.cache.api import NO_VALUE
from zope.interface.verify import verifyObject

from emporium.cache.interfaces import IObjectCache
from emporium.cache.local import LmdbBackend
from emporium.cache.memory import MemoryBackend
from emporium.cache.services import (
    DEFAULT_TTLS,
    ObjectCache,
    cache_from_settings,
    make_object_region,
)
from tests.unit.emporium.cache.test_tiered import Clock


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def local(tmp_path):
    tier = LmdbBackend({"path": str(tmp_path / "objects")})
    yield tier
    tier.close()


@pytest.fixture
def memory():
    return MemoryBackend({})


@pytest.fixture
def cache(memory, local, clock):
    ttls = DEFAULT_TTLS | {"core": 3600, "inventory": 30, "missing": 10}
    return ObjectCache(make_object_region([memory, local]), ttls, clock=clock)


class Source:
    """Counts what the "database" was asked."""

    def __init__(self, values: dict | None = None) -> None:
        self.values = values or {}
        self.calls: list[list[str]] = []

    def __call__(self, keys):
        self.calls.append(list(keys))
        return [self.values.get(key) for key in keys]


def test_provides_the_interface(cache):
    assert verifyObject(IObjectCache, cache)


def test_a_miss_is_made_once_then_served_from_the_cache(cache):
    source = Source({"core:1": {"name": "Kite"}})
    assert cache.get_many(["core:1"], source) == [{"name": "Kite"}]
    assert cache.get_many(["core:1"], source) == [{"name": "Kite"}]
    assert source.calls == [["core:1"]]


def test_only_the_misses_are_made_in_one_call(cache):
    cache.set_many({"core:2": "two"})
    source = Source({"core:1": "one", "core:3": "three"})
    assert cache.get_many(["core:1", "core:2", "core:3"], source) == [
        "one",
        "two",
        "three",
    ]
    assert source.calls == [["core:1", "core:3"]]


def test_without_a_creator_a_miss_is_no_value(cache):
    assert cache.get("core:1") is NO_VALUE


def test_each_partition_expires_after_its_own_ttl(cache, clock):
    source = Source({"core:1": "text", "inventory:1": 5})
    cache.get_many(["core:1", "inventory:1"], source)
    clock.now += 31
    cache.get_many(["core:1", "inventory:1"], source)
    assert source.calls[-1] == ["inventory:1"]
    clock.now += 3600
    cache.get_many(["core:1", "inventory:1"], source)
    assert source.calls[-1] == ["core:1", "inventory:1"]


def test_missing_values_are_cached_briefly(cache, clock):
    source = Source({})
    assert cache.get_many(["core:404"], source) == [None]
    assert cache.get_many(["core:404"], source) == [None]
    assert len(source.calls) == 1
    clock.now += 11
    assert cache.get_many(["core:404"], source) == [None]
    assert len(source.calls) == 2


def test_settings_choose_ttls_and_sections_declare_theirs(tmp_path):
    cache = cache_from_settings(
        {
            "cache.tiers": "memory",
            "cache.ttl.inventory": "5",
            "cache.ttl.book": "99",
        }
    )
    cache.register_partition("book", 3600)
    cache.register_partition("videogame", 1800)
    assert cache.ttl("inventory") == 5
    assert cache.ttl("book") == 99
    assert cache.ttl("videogame") == 1800
    assert cache.ttl("unknown") == DEFAULT_TTLS["default"]
    assert cache.ttl("core", missing=True) == DEFAULT_TTLS["missing"]


def test_tiers_come_from_settings(tmp_path):
    cache = cache_from_settings(
        {
            "here": str(tmp_path),
            "cache.tiers": "memory local",
            "cache.memory.arguments.max_items": "10",
        }
    )
    assert [tier.name for tier in cache.tiers] == ["memory", "local"]
    assert cache.tiers[0].max_items == 10
    assert cache.tiers[1].path == str(tmp_path / "var" / "cache" / "objects")


def test_invalidate_deletes_from_every_tier(cache, memory, local):
    cache.set_many({"pricing:1": 100})
    cache.invalidate(["pricing:1"])
    assert memory.get_multi(["pricing:1"]) == [NO_VALUE]
    assert local.get_multi(["pricing:1"]) == [NO_VALUE]


def test_a_creator_must_make_every_key(cache):
    with pytest.raises(ValueError, match="returned 1 values for 2 keys"):
        cache.get_many(["core:1", "core:2"], lambda keys: [1])


@pytest.mark.parametrize("many", [False, True], ids=["get", "get_many"])
def test_a_stampede_costs_one_fetch(cache, many):
    """Many threads miss the same key at once: one makes it, the others wait
    for it and read it from the cache."""
    threads = 16
    start = threading.Barrier(threads)
    calls = []

    def slow_database(keys):
        calls.append(keys)
        time.sleep(0.2)  # a slow query, so that every thread arrives meanwhile
        return ["made" for _ in keys]

    results = []

    def reader():
        start.wait()
        if many:
            results.append(cache.get_many(["core:1", "core:2"], slow_database))
        else:
            results.append(cache.get("core:1", lambda key: slow_database([key])[0]))

    workers = [threading.Thread(target=reader) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert len(results) == threads
    assert len(calls) == 1
    expected = ["made", "made"] if many else "made"
    assert all(result == expected for result in results)


def test_stats(cache):
    cache.get_many(["core:1"], Source({"core:1": 1}))
    cache.get_many(["core:1"])
    stats = cache.stats()
    assert stats["tier_order"] == ["memory", "local"]
    assert stats["reads"] == 2
    assert stats["hit_ratio"] == 0.5


def test_a_value_read_before_an_invalidation_is_not_cached(cache):
    """A read that began before the change may hold the old row: it is served
    to its caller but not cached."""
    reading, invalidated = threading.Event(), threading.Event()

    def slow_read(keys):
        reading.set()
        assert invalidated.wait(10)
        return ["old price"]

    results = []
    reader = threading.Thread(
        target=lambda: results.append(cache.get_many(["pricing:1"], slow_read))
    )
    reader.start()
    assert reading.wait(10)
    cache.invalidate(["pricing:1"])  # the commit of a new price
    invalidated.set()
    reader.join(10)
    assert results == [["old price"]]
    assert cache.get("pricing:1") is NO_VALUE


def test_an_invalidation_is_repeated_a_moment_later(cache):
    """A process that read the old row just before the commit may cache it
    just after the first deletion; the second deletion removes it."""
    cache.repeat_after = 0.05
    cache.invalidate(["pricing:1"])
    cache.set_many({"pricing:1": "old price, cached late"})
    deadline = time.monotonic() + 5
    while cache.get("pricing:1") is not NO_VALUE:
        assert time.monotonic() < deadline, "the repeated deletion never came"
        time.sleep(0.01)
