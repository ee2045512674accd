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
    dead = a_dead_pid()
    store.publish(a_registry(5), pid=os.getpid())
    store.publish(a_registry(2, orders=1), pid=dead)
    (tmp_path / "not-a-pid.json").write_text("{}")
    (tmp_path / f"{os.getppid()}.json").write_text("half a file")

    merged = totals(store.merged())

    assert merged[HOME] == 7
    assert merged[("emporium_orders_total", ())] == 1
    # The exited worker's counts moved to the retired total, once.
    assert not (tmp_path / f"{dead}.json").exists()
    retired = json.loads((tmp_path / ARCHIVE).read_text())
    assert totals(retired)[("emporium_orders_total", ())] == 1
    assert totals(store.merged()) == merged
    # The worker that goes on counting replaces its own file.
    store.publish(a_registry(6), pid=os.getpid())
    assert (
        totals(store.merged())[("emporium_requests_total", (("route", "home"),))] == 8
    )
