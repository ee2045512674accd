"""`make faults` in miniature: the runner starts the cluster once, drives it
with the capacity replay's shoppers at a small rate on 2,000 products, and
runs every drill once through the cluster's control channel. Each drill
keeps the invariants in the database; a rolling restart and an HAProxy
reload fail no request; an app server's kill fails no GET. Timings, and the
load the store sheds on a busy machine, are the benchmark's business, never
asserted here."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from bench.faults.checks import NEVER
from bench.faults.drills import DRILLS, QUEUE_SETTING, QUEUE_VALUE
from tests.conftest import ROOT
from tests.integration.test_capacity import left_running
from tests.integration.test_cluster import new_cluster_workdir

LAST_LINE = re.compile(
    r"faults: 9 drills, \d+ orders lost, \d+ orders doubled, \d+ carts lost, "
    r"worst recovery [\d.]+ s"
)


# Its own ports, so that it runs beside a developer's cluster and the other
# cluster tests.
OFFSET = "1000"


@pytest.fixture(scope="module")
def run():
    workdir = new_cluster_workdir("emporium-faults-", OFFSET)
    env = dict(
        os.environ,
        EMPORIUM_CLUSTER_PORT_OFFSET=OFFSET,
        FAULTS_DIR=str(workdir),
        FAULTS_PRODUCTS="2000",
        FAULTS_RATE="0.03",  # about 2 new sessions a second
        FAULTS_THINK="0.5",  # whole sessions, checkouts included, in seconds
        FAULTS_WARMUP="10",
        FAULTS_DOWN="3",
        FAULTS_FREEZE="5",
        FAULTS_SETTLE="10",
        FAULTS_STEADY_WAIT="10",
        FAULTS_WORKERS="1",
        FAULTS_ACCOUNTS="20",
        # The default 64 MiB: a smaller store fills by itself under the
        # shoppers, and every drill would be a full store's too.
        FAULTS_CACHE_MB="64",
    )
    with (workdir / "run.out").open("wb") as log:
        done = subprocess.run(
            [sys.executable, "-m", "bench.faults.run"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            timeout=1200,  # a hang guard
        )  # fmt: skip
    output = (workdir / "run.out").read_text()
    drills = (
        json.loads((workdir / "drills.json").read_text())
        if (workdir / "drills.json").exists()
        else []
    )
    yield done.returncode, output, {d["name"]: d for d in drills}, workdir
    shutil.rmtree(workdir, ignore_errors=True)


def test_every_drill_ran_and_the_report_ends_with_the_summary(run):
    _, output, drills, workdir = run
    assert list(drills) == [d.name for d in DRILLS], output[-3000:]
    assert LAST_LINE.fullmatch(output.strip().splitlines()[-1]), output[-2000:]
    report = (workdir / "report.md").read_text()
    assert LAST_LINE.fullmatch(report.strip().splitlines()[-1])
    for drill in drills.values():
        assert drill["requests"] > 0, drill
        assert not any("the drill failed" in n for n in drill["notes"]), drill
    # The reload's change is live in the new worker.
    assert f"{QUEUE_SETTING}={QUEUE_VALUE}" in " ".join(
        drills["haproxy-reload"]["notes"]
    )
    # The invariants were tried on real orders and carts, not on none.
    assert sum(d["figures"]["checkouts answered 201"] for d in drills.values()) > 0
    assert sum(d["figures"]["carts checked"] for d in drills.values()) > 0


@pytest.mark.parametrize("name", [d.name for d in DRILLS])
def test_no_order_or_cart_is_lost_or_doubled(run, name):
    _, output, drills, _ = run
    figures = drills[name]["figures"]
    for never in NEVER:
        assert figures[never] == 0, (never, figures, drills[name]["notes"])
    assert figures["stock taken"] == figures["units ordered"], figures


def by_the_fault(failures: list) -> list:
    """Failures a fault causes: no answer, or a server error other than the
    503 with Retry-After of a store shedding load (on a busy machine the
    survivors of a kill shed some; the report counts those too). A 400 or a
    404 is the store's answer to what was asked, drill or not."""
    return [
        (route, outcome, n)
        for route, outcome, n in failures
        if not outcome.isdigit() or outcome in ("500", "502", "504")
    ]


@pytest.mark.parametrize("name", ["rolling-restart", "haproxy-reload"])
def test_a_deploy_and_a_reload_fail_no_request(run, name):
    _, _, drills, _ = run
    assert by_the_fault(drills[name]["failures"]) == [], drills[name]["failures"]


def test_an_app_server_killed_fails_no_get(run):
    _, _, drills, _ = run
    failures = by_the_fault(drills["app-kill"]["failures"])
    assert [f for f in failures if f[0].startswith("GET ")] == [], failures


def test_the_cluster_stopped_and_left_nothing_running(run):
    returncode, output, _, workdir = run
    cluster = (workdir / "cluster" / "cluster.out").read_text()
    assert "cluster: stopping" in cluster
    assert not left_running(workdir)
    # Nonzero only when an invariant broke, which the tests above name.
    assert returncode in (0, 1), output[-3000:]
