"""The cache's counters, for ``/metrics`` and ``/health``."""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from emporium.cache.interfaces import IObjectCache


class CacheCollector:
    """Hits and misses per tier and partition, read at scrape time."""

    def __init__(self, cache, pages=None) -> None:
        self.cache = cache
        self.pages = pages

    def describe(self):
        return []

    def collect(self):
        counters = self.cache.counters
        for name, source, text in (
            ("emporium_cache_hits", counters.hits, "Object cache hits"),
            ("emporium_cache_misses", counters.misses, "Object cache misses"),
        ):
            family = CounterMetricFamily(name, text, labels=("tier", "partition"))
            for (tier, partition), count in sorted(dict(source).items()):
                family.add_metric((tier, partition), count)
            yield family
        for name, attribute, text in (
            (
                "emporium_cache_tier_skipped",
                "skipped",
                "Reads and writes a cache tier did without: it failed, or was"
                " left alone while failing",
            ),
            (
                "emporium_cache_store_emptied",
                "emptied",
                "Times the host's object-cache store was found full and emptied",
            ),
        ):
            family = CounterMetricFamily(name, text, labels=("tier",))
            for tier in self.cache.tiers:
                if hasattr(tier, attribute):
                    family.add_metric((tier.name,), getattr(tier, attribute))
            yield family
        yield from self._entries()
        if self.pages is not None:
            family = CounterMetricFamily(
                "emporium_rendered_pages",
                "Pages served from the rendered-page memo, or rendered",
                labels=("result",),
            )
            family.add_metric(("reused",), self.pages.hits)
            family.add_metric(("rendered",), self.pages.misses)
            yield family

    def _entries(self):
        """What this process's bounded memories hold, and their bounds: a
        soak tells a cache filling to its bound from a leak by them."""
        held = GaugeMetricFamily(
            "emporium_cache_entries",
            "Entries this process's memory tier or rendered-page memo holds",
            labels=("store",),
        )
        bound = GaugeMetricFamily(
            "emporium_cache_entries_limit",
            "The most entries this process's memory tier or rendered-page memo keeps",
            labels=("store",),
        )
        stores = [(tier.name, tier) for tier in self.cache.tiers]
        if self.pages is not None:
            stores.append(("rendered", self.pages))
        for name, store in stores:
            limit = getattr(store, "max_items", None)
            if limit is None:
                continue
            held.add_metric((name,), len(store))
            bound.add_metric((name,), limit)
        yield held
        yield bound


def stats_from_families(families: dict, tier_order: list[str]) -> dict:
    """The shape of ``IObjectCache.stats()`` from counter families (the
    app server's totals of ``emporium.metrics.server_totals``)."""
    tiers: dict[str, dict[str, int]] = {}
    partitions: dict[str, dict[str, dict[str, int]]] = {}
    for family, field in (
        ("emporium_cache_hits", "hits"),
        ("emporium_cache_misses", "misses"),
    ):
        for _, labels, value in families.get(family, {}).get("samples", []):
            tier, partition = labels.get("tier"), labels.get("partition")
            count = int(value)
            tiers.setdefault(tier, {"hits": 0, "misses": 0})[field] += count
            per = partitions.setdefault(partition, {})
            per.setdefault(tier, {"hits": 0, "misses": 0})[field] += count
    first = tier_order[0] if tier_order else None
    hits = sum(t["hits"] for t in tiers.values())
    reads = sum(tiers.get(first, {}).values()) if first else 0
    return {
        "tiers": tiers,
        "partitions": partitions,
        "reads": reads,
        "hit_ratio": round(hits / reads, 4) if reads else None,
        "tier_order": list(tier_order),
    }


def server_stats(registry) -> tuple[dict, str]:
    """The cache's counters for the whole app server when its workers share
    them (``emporium.metrics.dir``), else this process's; and which."""
    from emporium.metrics import server_totals

    cache = registry.getUtility(IObjectCache)
    families = server_totals(registry)
    if families is None:
        return cache.stats(), "this process"
    order = [tier.name for tier in cache.tiers]
    return stats_from_families(families, order), "all workers of this app server"


def check_cache(request) -> dict:
    """``/health``: counters, and whether the shared tier answers. A cache
    that does not answer slows the site but does not take it down, so the
    check stays ok and says what is degraded."""
    cache = request.registry.getUtility(IObjectCache)
    stats = cache.stats()
    result = {
        "ok": True,
        "tiers": stats["tier_order"],
        "hit_ratio": stats["hit_ratio"],
        "counters": stats["tiers"],
        "partitions": stats["partitions"],
    }
    for tier in cache.tiers:
        ping = getattr(tier, "ping", None)
        if ping is not None:
            result[f"{tier.name}_reachable"] = ping()
    return result
