"""`make cluster` end to end: deploy/cluster.py starts HAProxy, Varnish, three
app servers, PostgreSQL, Redis and two search servers; a shopper browses and
buys through the edge; an app server dies and the store keeps answering."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.services import IN_CI, ensure_debian_packages

EDGE = "http://127.0.0.1:8080"


def taken_cluster_ports(offset: str) -> list[str]:
    """The cluster's ports (deploy/cluster.py's, moved by ``offset``) that
    something holds."""
    return subprocess.run(
        [sys.executable, "-c", "import cluster as c; "
         "print(*(p for p in c.PORTS if not c.port_free(p)))"],
        cwd=ROOT / "deploy", env=dict(os.environ, EMPORIUM_CLUSTER_PORT_OFFSET=offset),
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip


def new_cluster_workdir(prefix: str, offset: str = "0") -> Path:
    """A folder for a cluster of the tests' own, once its ports (moved by
    ``offset``) are free and its Debian packages are installed."""
    if taken := taken_cluster_ports(offset):
        if IN_CI:
            pytest.fail(f"the cluster's ports are taken: {taken}")
        pytest.skip(f"the cluster's ports are taken (a cluster is running?): {taken}")
    for package, binary in (
        ("varnish", "/usr/sbin/varnishd"),
        ("haproxy", "/usr/sbin/haproxy"),
        ("redis-server", "/usr/bin/redis-server"),
    ):
        ensure_debian_packages([package], binary)
    # Under /tmp itself: PostgreSQL's own user must reach its data folder.
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(workdir, 0o755)
    return workdir


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = new_cluster_workdir("emporium-cluster-")
    with (workdir / "cluster.out").open("wb") as log:
        process = subprocess.Popen(
        [sys.executable, str(ROOT / "deploy" / "cluster.py"), "--products", "300",
         "--workers", "1"],
            env=dict(os.environ, EMPORIUM_CLUSTER_DIR=str(workdir / "c"),
                     EMPORIUM_CLUSTER_PORT_OFFSET="0"),
            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )  # fmt: skip
    deadline = time.monotonic() + 300
    output = ""
    while time.monotonic() < deadline and process.poll() is None:
        output = (workdir / "cluster.out").read_text()
        if "the store is on" in output:
            break
        time.sleep(0.5)
    try:
        assert "the store is on" in output, output[-3000:]
        yield process, output, workdir / "c"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
        shutil.rmtree(workdir, ignore_errors=True)


def fetch(url, data=None, headers=None, opener=None, method=None):
    request = urllib.request.Request(
        url, data=data, headers=headers or {}, method=method
    )
    opener = opener or urllib.request.build_opener()
    try:
        with opener.open(request, timeout=30) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return (
            error.code,
            {k.lower(): v for k, v in error.headers.items()},
            error.read(),
        )


def test_browse_and_buy_through_the_edge(cluster):
    status, _, _ = fetch(f"{EDGE}/")
    assert status == 200
    fetch(f"{EDGE}/products/3")
    status, headers, body = fetch(f"{EDGE}/products/3")
    assert status == 200 and headers.get("x-cache") == "HIT"
    # The edge names every request; a hit answers with its own id, not the
    # id of the request that filled the cache, nor one the client made up.
    _, again, _ = fetch(f"{EDGE}/products/3", headers={"X-Request-Id": "made-up-id"})
    assert again.get("x-cache") == "HIT"
    ids = {headers["x-request-id"], again["x-request-id"]}
    assert len(ids) == 2 and "made-up-id" not in ids
    assert all(re.fullmatch(r"[0-9A-F]+(-[0-9A-F]+){4}", i) for i in ids), ids
    # ...and logs each request's line with it.
    edge_log = cluster[2] / "logs" / "haproxy.log"
    deadline = time.monotonic() + 10  # a hang guard: log lines are flushed
    while time.monotonic() < deadline and not all(
        f"id={i}" in edge_log.read_text() for i in ids
    ):
        time.sleep(0.2)
    assert all(f"id={i}" in edge_log.read_text() for i in ids), ids
    # The app's counters are not for the outside.
    status, _, body = fetch(f"{EDGE}/metrics")
    assert status == 404 and b"emporium_orders" not in body
    status, _, body = fetch(f"{EDGE}/search?q=castle")
    assert status == 200

    # The cluster's demo catalog is random and leaves one product in twenty
    # out of stock: buy one that has stock.
    status, _, body = fetch(f"{EDGE}/api/v1/products")
    in_stock = [p["id"] for p in json.loads(body)["products"] if p["stock"] > 0]
    assert status == 200 and in_stock, body
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(CookieJar())
    )
    status, _, body = fetch(f"{EDGE}/api/v1/cart", opener=opener)
    token = json.loads(body)["csrf_token"]
    headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    status, _, body = fetch(
        f"{EDGE}/api/v1/cart/items",
        json.dumps({"product_id": in_stock[0]}).encode(),
        headers,
        opener,
    )
    assert status == 201, body
    checkout = {
        "email": "edge@example.com",
        "name": "Edge Shopper",
        "address": {
            "line1": "1 Edge Rd",
            "city": "Leeds",
            "postal_code": "LS1 1AA",
            "country": "GB",
        },
        "payment": {"card_number": "4242424242424242", "expiry": "12/34", "cvc": "123"},
    }
    status, _, body = fetch(
        f"{EDGE}/api/v1/checkout",
        json.dumps(checkout).encode(),
        {**headers, "Idempotency-Key": "edge-checkout-1"},
        opener,
    )
    assert status == 201, body
    assert json.loads(body)["number"].startswith("EM-")


def test_the_store_survives_an_app_server(cluster):
    _, output, _ = cluster
    pid = int(re.search(r"app1 on 127\.0\.0\.1:6541 \(pid (\d+)\)", output).group(1))
    os.kill(pid, signal.SIGKILL)
    statuses = []
    for number in range(20):
        status, _, _ = fetch(f"{EDGE}/api/v1/products/{number + 1}")
        statuses.append(status)
    assert set(statuses) == {200}, statuses


def test_with_every_app_server_down_cached_pages_are_still_served(cluster):
    """Degrade, never collapse: the balancer marks the apps down, Varnish's
    probe follows, and the edge, which checks Varnish itself, keeps routing
    to it; cached pages are served from grace, others get a short 503."""
    _, output, _ = cluster
    for _ in range(2):
        status, headers, cached = fetch(f"{EDGE}/products/7")
    assert status == 200 and headers.get("x-cache") == "HIT"
    for name in ("app2", "app3"):  # app1 went in the test above
        found = re.search(rf"{name} on 127\.0\.0\.1:\d+ \(pid (\d+)\)", output)
        os.kill(int(found.group(1)), signal.SIGKILL)
    deadline = time.monotonic() + 60  # a hang guard
    while fetch("http://127.0.0.1:8090/apps-health")[0] != 503:
        assert time.monotonic() < deadline, "the balancer never saw the apps go"
        time.sleep(0.5)
    # Longer than the edge needs to mark a failing Varnish down (3 checks
    # 2 s apart): every answer meanwhile is the cached page.
    until = time.monotonic() + 10
    while time.monotonic() < until:
        status, headers, body = fetch(f"{EDGE}/products/7")
        assert status == 200, (status, body[:300])
        assert headers["x-cache"] in ("HIT", "HIT-STALE") and body == cached
        time.sleep(0.5)
    status, headers, body = fetch(f"{EDGE}/products/8")
    assert status == 503 and headers["retry-after"] == "5"
    assert b"Busy for a moment" in body
