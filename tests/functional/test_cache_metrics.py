"""The cache's counters at /metrics (Prometheus text) and in /health."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def samples(testapp) -> dict:
    response = testapp.get("/metrics", extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    assert response.content_type.startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_count_hits_and_misses_per_tier_and_partition(testapp):
    testapp.get("/books/")
    testapp.get("/books/")
    found = samples(testapp)
    memory_core_hits = (
        "emporium_cache_hits_total",
        (("partition", "core"), ("tier", "memory")),
    )
    assert found[memory_core_hits] >= 12
    assert any(
        name == "emporium_cache_misses_total" and dict(labels)["tier"] == "local"
        for name, labels in found
    )


def test_metrics_count_rendered_pages(testapp):
    testapp.get("/books/")
    testapp.get("/books/")
    found = samples(testapp)
    assert found[("emporium_rendered_pages_total", (("result", "reused"),))] >= 1
    assert found[("emporium_rendered_pages_total", (("result", "rendered"),))] >= 1


def test_health_reports_the_cache(testapp):
    testapp.get("/")
    body = testapp.get("/health").json
    cache = body["checks"]["cache"]
    assert cache["ok"] is True
    assert cache["tiers"] == ["memory", "local"]
    assert cache["counters"]["memory"]["hits"] >= 0
    assert "core" in cache["partitions"]
