"""The tiers composed: a read goes down them, a hit fills the tiers above it,
a write and a delete go to all. Hits and misses are counted per tier and per
partition on the way."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence

from dogpile.cache.api import NO_VALUE, CacheBackend, CachedValue


def partition_of(key: str) -> str:
    return key.partition(":")[0]


class Counters:
    """Hits and misses per (tier, partition), as plain integers: counting
    costs a dict update on the hot path; Prometheus reads them at scrape time."""

    def __init__(self) -> None:
        self.hits: dict[tuple[str, str], int] = {}
        self.misses: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def hit(self, tier: str, partition: str) -> None:
        key = (tier, partition)
        self.hits[key] = self.hits.get(key, 0) + 1

    def miss(self, tier: str, partition: str) -> None:
        key = (tier, partition)
        self.misses[key] = self.misses.get(key, 0) + 1

    def snapshot(self) -> dict:
        """``{"tiers": {tier: {hits, misses}}, "partitions": {p: {tier: ...}}}``."""
        hits, misses = dict(self.hits), dict(self.misses)
        tiers: dict[str, dict[str, int]] = {}
        partitions: dict[str, dict[str, dict[str, int]]] = {}
        for source, field in ((hits, "hits"), (misses, "misses")):
            for (tier, partition), count in source.items():
                total = tiers.setdefault(tier, {"hits": 0, "misses": 0})
                total[field] += count
                per = partitions.setdefault(partition, {}).setdefault(
                    tier, {"hits": 0, "misses": 0}
                )
                per[field] += count
        return {"tiers": tiers, "partitions": partitions}

    def reset(self) -> None:
        self.hits.clear()
        self.misses.clear()


class TieredBackend(CacheBackend):
    """``dogpile.cache`` backend over an ordered list of tier backends.

    Entries carry their deadline (metadata ``x``); an entry past it is a miss
    in any tier, and a fill keeps the deadline, so a value never outlives its
    time-to-live by being copied up.
    """

    def __init__(self, arguments: Mapping) -> None:
        self.tiers: list[CacheBackend] = list(arguments["tiers"])
        self.counters: Counters = arguments.get("counters") or Counters()
        self.names = [tier.name for tier in self.tiers]
        self.clock = arguments.get("clock") or time.time

    def get(self, key):
        return self.get_multi((key,))[0]

    def get_multi(self, keys: Sequence[str], count: bool = True) -> list:
        tiers = self.tiers
        if not tiers:
            return [NO_VALUE] * len(keys)
        # The common case first: every key fresh in the first tier.
        entries = tiers[0].get_multi(keys)
        now = self.clock()
        for entry in entries:
            if entry is NO_VALUE or entry.metadata["x"] <= now:
                break
        else:
            if count:
                hit = self.counters.hit
                name = tiers[0].name
                for key in keys:
                    hit(name, key.partition(":")[0])
            return entries
        return self._get_multi_down(keys, count, entries, now)

    def _get_multi_down(
        self, keys: Sequence[str], count: bool, first: list, now: float
    ) -> list:
        found: list = [NO_VALUE] * len(keys)
        pending = list(range(len(keys)))
        counters = self.counters
        for depth, tier in enumerate(self.tiers):
            if not pending:
                break
            name = tier.name
            entries = (
                first if depth == 0 else tier.get_multi([keys[i] for i in pending])
            )
            missed = []
            fills: dict[str, CachedValue] = {}
            for index, entry in zip(pending, entries, strict=True):
                if entry is NO_VALUE or entry.metadata["x"] <= now:
                    missed.append(index)
                    if count:
                        counters.miss(name, partition_of(keys[index]))
                    continue
                found[index] = entry
                if count:
                    counters.hit(name, partition_of(keys[index]))
                if depth:
                    fills[keys[index]] = entry
            if fills:
                for upper in self.tiers[:depth]:
                    upper.set_multi(fills)
            pending = missed
        return found

    def set(self, key, value) -> None:
        self.set_multi({key: value})

    def set_multi(self, mapping: Mapping[str, CachedValue]) -> None:
        # Lowest first: a value is never in a faster tier before a slower one
        # that another process could read it from.
        for tier in reversed(self.tiers):
            tier.set_multi(mapping)

    def delete(self, key) -> None:
        self.delete_multi((key,))

    def delete_multi(self, keys: Sequence[str], shared: bool = True) -> None:
        # Shared tiers first: once the faster ones are emptied, nothing may
        # fill them again from a stale shared entry.
        for tier in reversed(self.tiers):
            if shared or not tier.shared:
                tier.delete_multi(keys)

    def clear(self) -> None:
        for tier in self.tiers:
            tier.clear()
