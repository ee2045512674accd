"""`make capacity` in miniature: the runner starts the cluster, replays a few
seconds of the shopper model at a tiny rate, writes the report, and the
database keeps its invariants. Timings are the benchmark's business, never
asserted here."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.capacity import misses, shoppers
from bench.capacity.engine import Sample
from bench.capacity.run import NEVER
from bench.capacity.steps import LOGIN_APART, Step, carried
from tests.conftest import ROOT
from tests.integration.test_cluster import new_cluster_workdir

LAST_LINE = re.compile(
    r"capacity: this box carries [\d.]+× the Christmas 2000 peak at p99 < 100 ms "
    r"with no failed requests"
)


def left_running(workdir: Path) -> list[str]:
    """Command lines of processes that name ``workdir`` (the cluster's .ini)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = cmdline.read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(workdir) in line:
            found.append(line)
    return found


def test_the_model_keeps_the_articles_mix():
    kinds = Counter()
    buyers = 0
    for number in range(5000):
        buyer, _, plan = shoppers.plan(random.Random(number))
        buyers += buyer
        kinds.update(plan)
    total = sum(kinds.values())
    assert abs(total / 5000 - shoppers.PAGES_PER_SESSION) < 1
    assert abs(buyers / 5000 - shoppers.BUYERS) < 0.02
    for group, share in shoppers.MIX.items():
        assert abs(kinds[group] / total - share) < 0.01, (group, kinds[group] / total)


def test_the_knee_is_also_given_with_a_login_allowed_500_ms():
    def step(multiple: float, login_ms: float, product_ms: float) -> Step:
        samples = [
            Sample(float(n), kind, True, False, status, ms)
            for n in range(100)
            for kind, status, ms in (
                ("login", 303, login_ms),
                ("product", 200, product_ms),
            )
        ]
        return Step("x", multiple, 1.0, samples=samples)

    # A password check alone takes longer than 100 ms on a slow core.
    low, high = step(0.001, 180, 20), step(0.002, 180, 120)
    assert low.why_not() == ["p99 ≥ 100 ms for login"]
    assert low.why_not(LOGIN_APART) == []
    assert high.why_not(LOGIN_APART) == ["p99 ≥ 100 ms for product"]
    assert carried([low, high]) is None
    assert carried([low, high], LOGIN_APART) is low
    assert step(0.001, 600, 20).why_not(LOGIN_APART) == ["p99 ≥ 500 ms for login"]


def test_product_popularity_follows_zipf():
    catalog = shoppers.Catalog(products=1000, fronts=["/"], categories=["/c"])
    rng = random.Random(1)
    drawn = Counter(catalog.product(rng) for _ in range(20000))
    assert set(drawn) <= set(range(1, 1001))
    # s = 1: the first product twice as often as the second, ten times the tenth.
    assert 1.6 < drawn[1] / drawn[2] < 2.5
    assert 6 < drawn[1] / drawn[10] < 15


def drive(session: shoppers.Session, answer) -> list[shoppers.Request]:
    """Runs ``session`` against ``answer`` (request → Response); what it sent."""
    sent, steps = [], session.steps()
    try:
        request = next(steps)
        while True:
            sent.append(request)
            request = steps.send(answer(request))
    except StopIteration:
        return sent


def test_a_shopper_without_a_token_sends_no_cart_write():
    """A shopper whose pages all failed has no token and no form: it sends
    no add to cart or checkout (an empty token would only be refused 403)."""
    catalog = shoppers.Catalog(products=50, fronts=["/"], categories=["/c"])
    session = shoppers.Session(catalog, random.Random(3), think=0)
    session.kinds = ["product", "cart", "cart", "checkout", "checkout"]
    sent = drive(session, lambda r: shoppers.Response(503, {}))
    assert [r.kind for r in sent] == ["product", "api-cart", "api-cart",
                                      "checkout-form"]  # fmt: skip

    # With the cookie's token the add goes, carrying it.
    session = shoppers.Session(catalog, random.Random(3), think=0)
    session.kinds = ["product", "cart"]
    cookie = {"set-cookie": "emporium_csrf=abc123; Path=/"}
    sent = drive(session, lambda r: shoppers.Response(200, cookie))
    assert [r.kind for r in sent] == ["product", "add-to-cart"]
    assert sent[-1].headers["X-CSRF-Token"] == "abc123"


@pytest.fixture
def workdir():
    path = new_cluster_workdir("emporium-capacity-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_the_miss_probe_waits_out_the_apps_throttle():
    # Every probe request comes from one address without a session; the
    # app's throttle answered one with 429 after a whole ladder, and the run
    # ended without its report.
    asked = Counter()

    class Throttling(BaseHTTPRequestHandler):
        def do_GET(self):
            asked[self.path] += 1
            throttled = asked[self.path] == 1 and self.path.startswith("/search")
            self.send_response(429 if throttled else 200)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Throttling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    catalog = shoppers.Catalog(products=50, categories=["/categories/a"], fronts=["/"])
    try:
        costs = misses.app_cpu_per_request(
            catalog, server.server_address[1], os.getpid(), count=3
        )
    finally:
        server.shutdown()
        server.server_close()
    assert set(costs) == set(misses.KINDS)
    assert all(n == 2 for path, n in asked.items() if path.startswith("/search"))


def test_a_tiny_replay_writes_the_report_and_keeps_the_invariants(workdir):
    env = dict(
        os.environ,
        CAPACITY_DIR=str(workdir),
        CAPACITY_PRODUCTS="300",
        CAPACITY_LADDER="0.1 0.2",
        CAPACITY_STEP_SECONDS="6",
        CAPACITY_COLD_SECONDS="3",
        CAPACITY_WORKERS="1",
        CAPACITY_ACCOUNTS="20",
        CAPACITY_THINK="0.05",  # whole sessions, checkouts included, in seconds
        CAPACITY_PROBE_REQUESTS="5",
    )
    # Started as a shell starts a background job: SIGINT ignored. The
    # runner stops the cluster with SIGINT all the same.
    with (workdir / "run.out").open("wb") as log:
        run = subprocess.run(
            [sys.executable, "-m", "bench.capacity.run"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
            timeout=900,  # a hang guard
        )  # fmt: skip
    output = (workdir / "run.out").read_text()
    assert run.returncode == 0, output[-3000:]
    assert LAST_LINE.fullmatch(output.strip().splitlines()[-1]), output[-2000:]

    report = (workdir / "report.md").read_text()
    assert LAST_LINE.fullmatch(report.strip().splitlines()[-1])
    # Where the app's requests come from, and what each kind costs it.
    for section in (
        "## Where the knee is",
        "### ×0.2",
        "## What the app's CPU per page view is made of",
    ):
        assert section in report, section
    assert re.search(r"^capacity_app_cpu_ms_per_product_miss: [\d.]+$", output, re.M)
    for plot in ("rates.svg", "p99.svg", "cpu.svg"):
        assert (workdir / plot).read_text().startswith("<svg")
    steps = json.loads((workdir / "steps.json").read_text())
    assert [s["name"] for s in steps] == ["cold ×0.1", "×0.1", "×0.2"]
    assert sum(s["requests"] for s in steps) > 0
    for step in steps:
        checks = step["invariants"]
        assert checks["orders in the database"] == checks["checkouts answered 201"]
        assert checks["stock taken"] == checks["units ordered"]
        for name in NEVER:
            assert checks[name] == 0, (step["name"], name, checks)
        assert step["broken"] == []

    # The app servers' workers shared their compiled templates.
    compiled = list((workdir / "cluster" / "c" / "cache" / "templates").glob("*.py"))
    assert any("product" in path.name for path in compiled), compiled

    # The cluster stopped on the runner's SIGINT, every server (one slow to
    # stop on a busy machine is killed), and nothing of it is left running,
    # not even a killed server's workers.
    cluster = (workdir / "cluster" / "cluster.out").read_text()
    assert "cluster: stopping" in cluster
    stopped = set(re.findall(r"cluster: (?:stopped|killed) (\w+)", cluster))
    assert not left_running(workdir)
    assert stopped == {"varnish", "haproxy", "app1", "app2", "app3", "search1",
                       "search2", "redis", "postgresql"}  # fmt: skip
