"""Counters of several worker processes summed through their folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from prometheus_client import CollectorRegistry, Counter

from emporium.metrics import ARCHIVE, MetricsStore, merge, snapshot

HOME = ("emporium_requests_total", (("route", "home"),))


def a_registry(requests: int, orders: int = 0) -> CollectorRegistry:
    registry = CollectorRegistry()
    counter = Counter("emporium_requests", "Requests", ("route",), registry=registry)
    counter.labels("home").inc(requests)
    if orders:
        Counter("emporium_orders", "Orders", registry=registry).inc(orders)
    return registry


def totals(families: dict) -> dict:
    return {
        (sample, tuple(sorted(labels.items()))): value
        for family in families.values()
        for sample, labels, value in family["samples"]
    }


def a_dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_snapshot_leaves_out_creation_times():
    names = [s[0] for s in snapshot(a_registry(3))["emporium_requests"]["samples"]]
    assert names == ["emporium_requests_total"]


def test_merge_sums_sample_by_sample():
    merged = merge([snapshot(a_registry(3)), snapshot(a_registry(4, orders=2))])
    assert totals(merged) == {
        HOME: 7,
        ("emporium_orders_total", ()): 2,
    }


def test_the_folder_sums_live_and_retired_workers(tmp_path):
    store = MetricsStore(tmp_path)
    me = f"{os.getpid()}-aaaa"
    other = f"{os.getppid()}-bbbb"
    dead = f"{a_dead_pid()}-cccc"
    store.publish(a_registry(2, orders=1), dead)
    store.publish(a_registry(3), other)
    (tmp_path / "not-a-pid.json").write_text("{}")

    merged = totals(store.merged(me, snapshot(a_registry(5))))

    assert merged[HOME] == 10
    assert merged[("emporium_orders_total", ())] == 1
    # The exited worker's counts moved to the retired total, once.
    assert not (tmp_path / f"{dead}.json").exists()
    retired = json.loads((tmp_path / ARCHIVE).read_text())
    assert totals(retired["families"])[("emporium_orders_total", ())] == 1
    assert totals(store.merged(me, snapshot(a_registry(5)))) == merged


def test_a_new_process_with_an_old_pid_does_not_write_over_its_counts(tmp_path):
    store = MetricsStore(tmp_path)
    pid = os.getpid()
    store.publish(a_registry(1000), f"{pid}-old0")  # before a restart
    merged = totals(store.merged(f"{pid}-new1", snapshot(a_registry(3))))
    assert merged[HOME] == 1003
    assert not (tmp_path / f"{pid}-old0.json").exists()
    assert totals(store.merged(f"{pid}-new1", snapshot(a_registry(4))))[HOME] == 1004


def test_a_fold_cut_short_is_finished_without_counting_twice(tmp_path):
    store = MetricsStore(tmp_path)
    dead = f"{a_dead_pid()}-dddd"
    store.publish(a_registry(7), dead)
    me = f"{os.getpid()}-eeee"
    assert totals(store.merged(me, {}))[HOME] == 7
    # As if the scrape had died after writing the archive, before unlinking.
    store.publish(a_registry(7), dead)
    assert totals(store.merged(me, {}))[HOME] == 7
    assert not (tmp_path / f"{dead}.json").exists()


def test_an_unreadable_archive_is_left_alone(tmp_path):
    store = MetricsStore(tmp_path)
    (tmp_path / ARCHIVE).write_text("half a file")
    dead = f"{a_dead_pid()}-ffff"
    store.publish(a_registry(2), dead)
    merged = totals(store.merged(f"{os.getpid()}-gggg", snapshot(a_registry(1))))
    assert merged[HOME] == 3
    assert (tmp_path / ARCHIVE).read_text() == "half a file"
    assert (tmp_path / f"{dead}.json").exists()


def test_what_a_gone_worker_held_is_not_summed_what_it_counted_is(tmp_path):
    from prometheus_client import Gauge

    def with_entries(entries: int) -> CollectorRegistry:
        registry = a_registry(1)
        Gauge("emporium_cache_entries", "Held", registry=registry).set(entries)
        return registry

    store = MetricsStore(tmp_path)
    store.publish(with_entries(500), f"{a_dead_pid()}-hhhh")
    store.publish(with_entries(40), f"{os.getppid()}-iiii")
    me = f"{os.getpid()}-jjjj"
    for _ in range(2):  # folding, then from the archive
        merged = totals(store.merged(me, snapshot(with_entries(2))))
        assert merged[("emporium_cache_entries", ())] == 42
        assert merged[HOME] == 3
