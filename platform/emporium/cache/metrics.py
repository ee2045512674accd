"""The cache's counters, for ``/metrics`` and ``/health``."""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily

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
        if self.pages is not None:
            family = CounterMetricFamily(
                "emporium_rendered_pages",
                "Pages served from the rendered-page memo, or rendered",
                labels=("result",),
            )
            family.add_metric(("reused",), self.pages.hits)
            family.add_metric(("rendered",), self.pages.misses)
            yield family


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
