"""The cache's counters at /metrics (Prometheus text) and in /health."""

from __future__ import annotations

import webtest
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
    body = testapp.get("/health", extra_environ={"REMOTE_ADDR": "127.0.0.1"}).json
    cache = body["checks"]["cache"]
    assert cache["ok"] is True
    assert cache["tiers"] == ["memory", "local"]
    assert cache["counters"]["memory"]["hits"] >= 0
    assert "core" in cache["partitions"]


def test_the_admin_sees_the_same_counts_summed_over_workers(app_settings, tmp_path):
    from emporium.cache.interfaces import IObjectCache
    from emporium.cache.metrics import server_stats
    from emporium.config import configure

    settings = dict(
        app_settings,
        **{
            "emporium.metrics.dir": str(tmp_path / "metrics"),
            "cache.local.arguments.path": str(tmp_path / "cache"),
        },
    )
    config = configure(settings)
    config.commit()
    app = webtest.TestApp(
        config.make_wsgi_app(), extra_environ={"HTTP_HOST": "localhost:6543"}
    )
    for path in ("/books/", "/books/", "/products/1", "/products/1"):
        app.get(path)
    own = config.registry.getUtility(IObjectCache).stats()
    assert own["reads"] > 0

    summed, scope = server_stats(config.registry)

    # One worker here: the sum over the folder is its own counts.
    assert scope == "all workers of this app server"
    for key in ("tiers", "partitions", "reads", "hit_ratio", "tier_order"):
        assert summed[key] == own[key], key
    config.registry["db.engine"].dispose()


def test_without_a_folder_the_admin_sees_this_process(app_config):
    from emporium.cache.metrics import server_stats

    stats, scope = server_stats(app_config.registry)
    assert scope == "this process"
    assert "tiers" in stats and "hit_ratio" in stats


def test_metrics_show_what_the_process_memories_hold_and_their_bounds(testapp):
    testapp.get("/books/")
    found = samples(testapp)
    memory = ("emporium_cache_entries", (("store", "memory"),))
    rendered = ("emporium_cache_entries", (("store", "rendered"),))
    assert found[memory] >= 1 and found[rendered] >= 1
    assert found[("emporium_cache_entries_limit", (("store", "memory"),))] == 50000
    assert found[("emporium_cache_entries_limit", (("store", "rendered"),))] == 2000
    # The host's store has no count of entries to bound: it is left out.
    assert ("emporium_cache_entries", (("store", "local"),)) not in found
