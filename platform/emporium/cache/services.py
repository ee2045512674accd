"""The object cache service: ``dogpile.cache`` regions configured from the
``.ini``, the dogpile lock around the database, time-to-live per partition,
and invalidation in every tier of every process."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dogpile.cache import make_region, register_backend
from dogpile.cache.api import NO_VALUE
from dogpile.cache.region import CacheRegion
from dogpile.util import NameRegistry
from zope.interface import implementer

from emporium.aftercommit import Repeater
from emporium.cache.entries import make_entry
from emporium.cache.interfaces import IObjectCache
from emporium.cache.local import HostBus, LmdbBackend
from emporium.cache.memory import MemoryBackend
from emporium.cache.shared import HostFallbackBus, LocalBus, RedisBus
from emporium.cache.tiered import Counters, TieredBackend, partition_of
from emporium.settings import CORE, setting_value

log = logging.getLogger(__name__)

register_backend("emporium.memory", "emporium.cache.memory", "MemoryBackend")
register_backend("emporium.lmdb", "emporium.cache.local", "LmdbBackend")
register_backend("emporium.sqlite", "emporium.cache.local", "SqliteBackend")
register_backend("emporium.redis", "emporium.cache.shared", "RedisBackend")
register_backend("emporium.tiered", "emporium.cache.tiered", "TieredBackend")

# Default time-to-live of each partition, in seconds; ``cache.ttl.<name>``
# overrides, and a section's declared partitions add theirs.
DEFAULT_TTLS = {
    "core": 3600,
    "pricing": 300,
    "inventory": 30,
    "category": 3600,
    "listing": 60,
    "missing": 30,
    "default": 300,
}


Creator = Callable[[list[str]], Sequence[Any]]


def _tier_settings(settings: Mapping, name: str) -> dict:
    prefix = f"cache.{name}."
    here = settings.get("here", os.getcwd())
    # What each known tier is unless the settings say otherwise.
    result = {
        setting.name: setting.default.replace("%(here)s", here)
        for setting in CORE
        if setting.name.startswith(prefix) and setting.default is not None
    }
    result.update({k: v for k, v in settings.items() if k.startswith(prefix)})
    if prefix + "backend" not in result:
        raise ValueError(f"cache tier {name!r}: set {prefix}backend")
    return result


def make_tier_region(settings: Mapping, name: str) -> CacheRegion:
    """The region of one tier, from the ``cache.<name>.`` settings."""
    region = make_region(name=f"emporium.cache.{name}")
    region.configure_from_config(_tier_settings(settings, name), f"cache.{name}.")
    return region


def make_object_region(
    tiers: Sequence, counters: Counters | None = None
) -> CacheRegion:
    """The region views and models use: the tiers composed."""
    return make_region(name="emporium.objects").configure(
        "emporium.tiered", arguments={"tiers": list(tiers), "counters": counters}
    )


def tier_names(settings: Mapping) -> list[str]:
    return setting_value(settings, "cache.tiers")


def explicit_ttls(settings: Mapping) -> dict[str, float]:
    """The ``cache.ttl.<partition>`` settings."""
    prefix = "cache.ttl."
    return {
        k[len(prefix) :]: setting_value(settings, k)
        for k in settings
        if k.startswith(prefix)
    }


@implementer(IObjectCache)
class ObjectCache:
    """The object cache over a tiered region (see ``IObjectCache``)."""

    def __init__(
        self,
        region: CacheRegion,
        ttls: Mapping[str, float] | None = None,
        bus: LocalBus | RedisBus | HostBus | HostFallbackBus | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.region = region
        self.backend: TieredBackend = region.backend
        if clock is not None:
            self.backend.clock = clock
        self.ttls = dict(DEFAULT_TTLS if ttls is None else ttls)
        # Partitions whose time-to-live the settings chose: kept as set.
        self.explicit: set[str] = set()
        self.bus = bus or LocalBus()
        # One mutex per key being made, shared by the threads of the process.
        self._locks = NameRegistry(lambda key: threading.Lock())
        self._listening_pid = 0
        self._poll = getattr(self.bus, "poll", None)
        self._invalidated_at: dict[str, float] = {}
        # Seconds after which an invalidation is done again (0: never).
        self.repeat_after = 0.0
        self._repeat: Repeater | None = None

    @property
    def counters(self) -> Counters:
        return self.backend.counters

    @property
    def tiers(self) -> list:
        return self.backend.tiers

    def ttl(self, partition: str, missing: bool = False) -> float:
        if missing:
            return self.ttls.get("missing", DEFAULT_TTLS["missing"])
        ttls = self.ttls
        return ttls[partition] if partition in ttls else ttls.get("default", 300)

    def register_partition(self, name: str, ttl: float) -> None:
        """Give a partition its default time-to-live, unless a
        ``cache.ttl.<name>`` setting chose one."""
        if name not in self.explicit:
            self.ttls[name] = float(ttl)

    def _entry(self, key: str, payload: Any, now: float):
        return make_entry(payload, self.ttl(partition_of(key), payload is None), now)

    def listen(self) -> None:
        """Hear other processes' invalidations (once per process)."""
        if self._listening_pid != os.getpid():
            self._listening_pid = os.getpid()
            if isinstance(self.bus, RedisBus | HostFallbackBus):
                self.bus.start(self._invalidated_elsewhere, self._lost_messages)

    def catch_up(self) -> None:
        """Apply now what other processes of the host have invalidated; a
        store that fails slows the site (reads go on), never stops it."""
        try:
            if self._listening_pid != os.getpid():
                self.listen()
            if self._poll is not None:
                self._poll(self._forget, self._forget_all, force=True)
        except Exception:  # noqa: BLE001 - the cache must not fail a request
            log.warning("cache: cannot read the host's invalidations", exc_info=True)

    def get(self, key: str, creator: Callable[[str], Any] | None = None):
        if creator is None:
            return self.get_many((key,))[0]
        return self.get_many((key,), lambda missing: [creator(missing[0])])[0]

    def get_many(self, keys: Sequence[str], creator: Creator | None = None) -> list:
        if self._listening_pid != os.getpid():
            self.listen()
        poll = self._poll
        if poll is not None:
            poll(self._forget, self._forget_all)
        entries = self.backend.get_multi(keys)
        values = [NO_VALUE if e is NO_VALUE else e.payload for e in entries]
        if creator is None or not any(v is NO_VALUE for v in values):
            return values
        missing = sorted(
            {k for k, v in zip(keys, values, strict=True) if v is NO_VALUE}
        )
        made = self._make(missing, creator)
        return [
            made.get(k, v) if v is NO_VALUE else v
            for k, v in zip(keys, values, strict=True)
        ]

    def _make(self, missing: list[str], creator: Creator) -> dict[str, Any]:
        """Make the missing values under their locks, in key order so that
        two threads never wait for each other."""
        locks = [self._locks.get(key) for key in missing]
        for lock in locks:
            lock.acquire()
        try:
            # Another thread may have made some while this one waited.
            again = self.backend.get_multi(missing, count=False)
            made = {
                k: e.payload
                for k, e in zip(missing, again, strict=True)
                if e is not NO_VALUE
            }
            todo = [k for k in missing if k not in made]
            if todo:
                started = time.monotonic()
                payloads = list(creator(todo))
                if len(payloads) != len(todo):
                    raise ValueError(
                        f"cache creator returned {len(payloads)} values "
                        f"for {len(todo)} keys"
                    )
                now = self.backend.clock()
                # Invalidated while we read: serve what we read, cache none.
                recent = self._invalidated_at
                self.backend.set_multi(
                    {
                        k: self._entry(k, p, now)
                        for k, p in zip(todo, payloads, strict=True)
                        if recent.get(k, -1.0) < started
                    }
                )
                made.update(zip(todo, payloads, strict=True))
            return made
        finally:
            for lock in reversed(locks):
                lock.release()

    def set_many(self, mapping: Mapping[str, Any]) -> None:
        now = self.backend.clock()
        self.backend.set_multi({k: self._entry(k, v, now) for k, v in mapping.items()})

    def delete_many(self, keys: Sequence[str]) -> None:
        """Delete in every tier this process reaches, telling no one."""
        self.backend.delete_multi(list(keys))

    def invalidate(self, keys: Sequence[str]) -> None:
        keys = sorted(set(keys))
        if not keys:
            return
        self._note_invalidated(keys)
        self.backend.delete_multi(keys)
        self.bus.publish(keys)
        if self.repeat_after > 0:
            self._repeater().later(keys)

    def _repeater(self) -> Repeater:
        # A process that read the old row just before the commit may have
        # cached it in a shared tier just after the first deletion.
        if self._repeat is None:
            self._repeat = Repeater(
                self._invalidate_again, self.repeat_after, name="cache-repeat"
            )
        return self._repeat

    def _invalidate_again(self, keys: list[str], actor: str) -> None:
        self.backend.delete_multi(keys)
        self.bus.publish(keys)

    def _note_invalidated(self, keys: Sequence[str]) -> None:
        """Remember when keys were invalidated: a value made from a read that
        began before must not be cached (it may predate the change)."""
        now = time.monotonic()
        recent = self._invalidated_at
        if len(recent) > 10_000:
            for key, when in list(recent.items()):
                if now - when > 60:
                    recent.pop(key, None)
        for key in keys:
            recent[key] = now

    def _invalidated_elsewhere(self, keys: list[str]) -> None:
        self._note_invalidated(keys)
        self.backend.delete_multi(keys, shared=False)

    def _lost_messages(self) -> None:
        self._forget_all()

    def _forget(self, keys: list[str]) -> None:
        """Drop keys from this process's own tiers (memory)."""
        self._note_invalidated(keys)
        for tier in self.tiers:
            if isinstance(tier, MemoryBackend):
                tier.delete_multi(keys)

    def _forget_all(self) -> None:
        for tier in self.tiers:
            if isinstance(tier, MemoryBackend):
                tier.clear()

    def stats(self) -> dict:
        snapshot = self.counters.snapshot()
        hits = sum(t["hits"] for t in snapshot["tiers"].values())
        first = self.tiers[0].name if self.tiers else None
        # Every read starts at the first tier: its hits and misses count reads.
        reads = sum(snapshot["tiers"].get(first, {}).values()) if first else 0
        snapshot["reads"] = reads
        snapshot["hit_ratio"] = round(hits / reads, 4) if reads else None
        snapshot["tier_order"] = [tier.name for tier in self.tiers]
        return snapshot

    def close(self) -> None:
        self.bus.stop()
        for tier in self.tiers:
            close = getattr(tier, "close", None)
            if close is not None:
                close()


def cache_from_settings(settings: Mapping) -> ObjectCache:
    """Build the object cache the ``cache.`` settings describe."""
    names = tier_names(settings)
    tiers = [make_tier_region(settings, name).backend for name in names]
    for name, tier in zip(names, tiers, strict=True):
        tier.name = name
    bus: LocalBus | RedisBus | HostBus | HostFallbackBus = LocalBus()
    url = setting_value(settings, "cache.invalidation.url") or (
        setting_value(settings, "cache.redis.arguments.url")
        if "redis" in names
        else None
    )
    stores = [tier for tier in tiers if isinstance(tier, LmdbBackend)]
    if url:
        bus = RedisBus(url, setting_value(settings, "cache.invalidation.channel"))
        if stores:
            bus = HostFallbackBus(bus, HostBus(stores[0]))
    elif stores:
        # No Redis: the host's workers hear each other through their store.
        bus = HostBus(stores[0])
    explicit = explicit_ttls(settings)
    cache = ObjectCache(make_object_region(tiers), DEFAULT_TTLS | explicit, bus)
    cache.explicit = set(explicit)
    cache.repeat_after = setting_value(settings, "cache.invalidation.repeat_after")
    return cache
