"""The edge's burst window (deploy/haproxy/haproxy.cfg, EMPORIUM_EDGE_BURST):
a client firing requests from one address gets 429 with Retry-After once it
passes the burst, before its 10 s budget is spent, and other addresses pass.

A second HAProxy with the shipped file runs in front of the stack of
test_haproxy (its Varnish and app server). Its burst window is a minute
here instead of the shipped second, so the test counts requests and never
depends on how fast this machine sends them."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.integration import test_haproxy as edge
from tests.services import free_port, stop, wait_for_port

stack = edge.stack
BURST = 6


@pytest.fixture(scope="module")
def burst_edge(stack):
    port = free_port()
    env = dict(
        os.environ,
        EMPORIUM_EDGE=f"127.0.0.1:{port}",
        EMPORIUM_VARNISH=f"127.0.0.1:{stack['varnish']}",
        EMPORIUM_APPS_BIND=f"127.0.0.1:{free_port()}",
        EMPORIUM_APP1=f"127.0.0.1:{stack['apps']}",
        EMPORIUM_APP2=f"127.0.0.1:{stack['apps']}",
        EMPORIUM_APP3=f"127.0.0.1:{stack['apps']}",
        EMPORIUM_SEARCH=f"127.0.0.1:{free_port()}",
        EMPORIUM_SEARCH1=f"127.0.0.1:{stack['apps']}",
        EMPORIUM_SEARCH2=f"127.0.0.1:{stack['apps']}",
        EMPORIUM_EDGE_RATE="1000",
        EMPORIUM_EDGE_BURST=str(BURST),
        EMPORIUM_EDGE_BURST_PERIOD="60s",
    )
    haproxy = "/usr/sbin/haproxy"
    check = subprocess.run(
        [haproxy, "-c", "-f", str(edge.CONFIG)], env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    process = subprocess.Popen(
        [haproxy, "-db", "-f", str(edge.CONFIG)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process=process)
        yield port
    finally:
        stop(process)


def test_a_burst_is_stopped_at_the_edge_and_others_pass(burst_edge):
    # The edge checks Varnish before it sends anything there: until then a
    # request is answered 503, and counted all the same.
    statuses = [
        edge.request(burst_edge, "/health", source="127.0.0.21")[0]
        for _ in range(BURST)
    ]
    assert 429 not in statuses
    status, headers, body = edge.request(burst_edge, "/health", source="127.0.0.21")
    assert status == 429 and headers["retry-after"] == "1"
    assert b"Too many requests" in body
    # Far below the 10 s rate (1000): the burst window alone refused it.
    assert edge.request(burst_edge, "/", source="127.0.0.21")[0] == 429
    assert edge.request(burst_edge, "/health", source="127.0.0.22")[0] != 429
