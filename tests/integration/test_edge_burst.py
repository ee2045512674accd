"""The edge's burst window (deploy/haproxy/haproxy.cfg, EMPORIUM_EDGE_BURST):
a client firing requests from one address gets 429 with Retry-After once it
passes the burst, before its 10 s budget is spent, and other addresses pass.

A second HAProxy with the shipped file runs in front of the stack of
test_haproxy (its Varnish and app server). Its burst window is a minute
here instead of the shipped second, so the test counts requests and never
depends on how fast this machine sends them."""

from __future__ import annotations

import pytest

from tests.integration import test_haproxy
from tests.integration.edge import haproxy

stack = test_haproxy.stack
BURST = 6


@pytest.fixture(scope="module")
def burst_edge(stack):
    with haproxy(
        stack["varnish"],
        f"127.0.0.1:{stack['apps']}",
        EDGE_RATE=1000,
        EDGE_BURST=BURST,
        EDGE_BURST_PERIOD="60s",
    ) as port:
        yield port


def test_a_burst_is_stopped_at_the_edge_and_others_pass(burst_edge):
    # The edge checks Varnish before it sends anything there: until then a
    # request is answered 503, and counted all the same.
    statuses = [
        test_haproxy.request(burst_edge, "/health", source="127.0.0.21")[0]
        for _ in range(BURST)
    ]
    assert 429 not in statuses
    status, headers, body = test_haproxy.request(
        burst_edge, "/health", source="127.0.0.21"
    )
    assert status == 429 and headers["retry-after"] == "1"
    assert b"Too many requests" in body
    # Far below the 10 s rate (1000): the burst window alone refused it.
    assert test_haproxy.request(burst_edge, "/", source="127.0.0.21")[0] == 429
    assert test_haproxy.request(burst_edge, "/health", source="127.0.0.22")[0] != 429
