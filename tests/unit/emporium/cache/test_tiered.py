"""A read goes down the tiers; a hit fills the tiers above it."""

from __future__ import annotations

import pytest
from dogpile.cache.api import NO_VALUE

from emporium.cache.entries import make_entry
from emporium.cache.local import LmdbBackend
from emporium.cache.memory import MemoryBackend
from emporium.cache.tiered import Counters, TieredBackend


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def tiers(tmp_path):
    local = LmdbBackend({"path": str(tmp_path / "objects")})
    yield MemoryBackend({}), local
    local.close()


@pytest.fixture
def backend(tiers, clock):
    return TieredBackend({"tiers": tiers, "counters": Counters(), "clock": clock})


def test_a_hit_below_fills_the_tiers_above(backend, tiers, clock):
    memory, local = tiers
    local.set_multi({"core:1": make_entry("kite", 60, now=clock.now)})
    [entry] = backend.get_multi(["core:1"])
    assert entry.payload == "kite"
    filled = memory.get_multi(["core:1"])[0]
    assert filled.payload == "kite"
    # The fill keeps the deadline: a copy never outlives the original.
    assert filled.metadata["x"] == clock.now + 60
    assert backend.counters.hits == {("local", "core"): 1}
    assert backend.counters.misses == {("memory", "core"): 1}
    backend.get_multi(["core:1"])
    assert backend.counters.hits[("memory", "core")] == 1


def test_a_write_and_a_delete_reach_every_tier(backend, tiers):
    backend.set_multi({"pricing:1": make_entry(999, 60)})
    assert all(t.get_multi(["pricing:1"])[0].payload == 999 for t in tiers)
    backend.delete_multi(["pricing:1"])
    assert all(t.get_multi(["pricing:1"]) == [NO_VALUE] for t in tiers)


def test_an_entry_past_its_deadline_is_a_miss_in_every_tier(backend, tiers, clock):
    backend.set_multi({"inventory:1": make_entry(5, 30, now=clock.now)})
    clock.now += 29
    assert backend.get_multi(["inventory:1"])[0].payload == 5
    clock.now += 2
    assert backend.get_multi(["inventory:1"]) == [NO_VALUE]
    assert backend.counters.misses[("local", "inventory")] == 1


def test_misses_are_counted_per_tier_and_partition(backend):
    backend.get_multi(["core:1", "pricing:1", "pricing:2"])
    assert backend.counters.misses == {
        ("memory", "core"): 1,
        ("local", "core"): 1,
        ("memory", "pricing"): 2,
        ("local", "pricing"): 2,
    }
    snapshot = backend.counters.snapshot()
    assert snapshot["tiers"]["memory"] == {"hits": 0, "misses": 3}
    assert snapshot["partitions"]["pricing"]["local"] == {"hits": 0, "misses": 2}


def test_uncounted_reads(backend):
    backend.get_multi(["core:1"], count=False)
    assert backend.counters.misses == {}
