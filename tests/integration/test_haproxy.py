"""deploy/haproxy/haproxy.cfg run by a real HAProxy, with the real Varnish
(deploy/varnish) and a real app server behind it, as in the cluster:

    edge (HAProxy) -> Varnish -> apps (HAProxy) -> app server

A flooding client gets 429 at the edge and others do not; the edge checks
Varnish itself; the app servers are given a bounded number of requests, a
bounded queue waits for them, and past it a request gets an immediate 503
with Retry-After, or the stale copy of a page Varnish holds."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest

from tests.conftest import build_database, make_settings
from tests.integration.appserver import app_server
from tests.integration.edge import haproxy
from tests.integration.test_varnish import SECRET, ensure_varnish, varnish_server
from tests.services import free_port

RATE = 40
# One request at a time per app server (three servers, one app behind them),
# and one more may wait: the bound is reached with a handful of requests.
MAXCONN, QUEUE = 1, 1


def request(port: int, path: str, method="GET", source="127.0.0.1", headers=None):
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=60, source_address=(source, 0)
    )
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    ensure_varnish()
    workdir = tmp_path_factory.mktemp("stack")
    settings = make_settings(
        f"sqlite:///{workdir / 'stack.sqlite'}",
        **{"emporium.session.secret": SECRET, "emporium.trusted_proxies": "127.0.0.1"},
    )
    build_database(settings, products=20)
    apps, varnish = free_port(), free_port()
    with (
        app_server(settings, workdir) as app_port,
        haproxy(
            varnish,
            f"127.0.0.1:{app_port}",
            apps,
            EDGE_RATE=RATE,
            APP_MAXCONN=MAXCONN,
            APP_QUEUE=QUEUE,
            # Longer than any test holds the servers: the bound is the count.
            APP_QUEUE_TIMEOUT="60s",
        ) as edge,
        # Varnish probes the balancer's monitor URI, as shipped.
        varnish_server(apps, workdir, SECRET, varnish, "/apps-health"),
    ):
        deadline = time.monotonic() + 30  # a hang guard
        while request(edge, "/health")[0] != 200:
            assert time.monotonic() < deadline, "the stack never got healthy"
            time.sleep(0.2)
        yield {"edge": edge, "apps": apps, "varnish": varnish}


def test_a_flood_is_stopped_at_the_edge_and_others_pass(stack):
    edge = stack["edge"]
    statuses = [request(edge, "/health", source="127.0.0.5")[0] for _ in range(RATE)]
    assert statuses == [200] * RATE
    statuses = [request(edge, "/health", source="127.0.0.5")[0] for _ in range(5)]
    assert statuses == [429] * 5
    status, headers, _ = request(edge, "/health", source="127.0.0.5")
    assert status == 429 and headers["retry-after"] == "10"
    assert request(edge, "/health", source="127.0.0.6")[0] == 200


def test_purges_are_refused_at_the_edge(stack):
    for method in ("PURGE", "BAN"):
        status, _, _ = request(
            stack["edge"], "/", method, "127.0.0.7", {"x-ban-prefix": "/"}
        )
        assert status == 405, method


def test_varnish_answers_the_edges_check_itself(stack):
    status, headers, body = request(stack["varnish"], "/proxy-health")
    assert status == 200 and body == b"OK"
    # Not the app's: no session, no request reached the app for it.
    assert "set-cookie" not in headers and "x-cache" not in headers


class Held:
    """Requests that hold app-server slots: their headers are sent (HAProxy
    has given them a server), their bodies are not, until released."""

    def __init__(self, port: int, count: int) -> None:
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=60)
            sock.sendall(
                b"POST /cart/items HTTP/1.1\r\nHost: shop\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 12\r\nConnection: close\r\n\r\nproduct"
            )
            self.sockets.append(sock)

    def release(self) -> None:
        for sock in self.sockets:
            sock.sendall(b"_id=1")
            sock.recv(65536)
            sock.close()


def test_past_the_queue_a_request_is_refused_at_once_with_retry_after(stack):
    apps, varnish = stack["apps"], stack["varnish"]
    cached = "/products/2"
    assert request(varnish, cached)[0] == 200  # Varnish holds a copy...
    status, _, body = request(
        varnish, "/", "PURGE", headers={"xkey-purge": "product:2"}
    )
    assert status == 200 and body  # ...stale now: the next request refetches it

    held = Held(apps, 3 * MAXCONN)
    time.sleep(0.3)  # each held request has reached its server
    answers: dict[int, tuple[int, dict, bytes]] = {}

    def one(product_id: int) -> None:
        answers[product_id] = request(apps, f"/api/v1/products/{product_id}")

    callers = [threading.Thread(target=one, args=(n,)) for n in (1, 3, 5, 6)]
    try:
        # Every app server has its request: the first caller waits in the
        # queue, the next find it full. (Started a moment apart, so that
        # each finds the queue as the one before left it.)
        for caller in callers:
            caller.start()
            time.sleep(0.3)
        deadline = time.monotonic() + 30  # a hang guard
        while len(answers) < len(callers) - QUEUE:
            assert time.monotonic() < deadline, answers
            time.sleep(0.05)
        # Answered while every slot is still held: they did not wait for one.
        assert [status for status, _, _ in answers.values()] == [503] * len(answers)
        assert sum(caller.is_alive() for caller in callers) == QUEUE
        for _, headers, body in answers.values():
            assert headers["retry-after"] == "5"
            assert b"Busy for a moment" in body and b"site.css" in body

        # A page Varnish holds is served stale rather than refused...
        status, headers, body = request(varnish, cached)
        assert status == 200 and headers["x-cache"] == "HIT-STALE"
        # ...and one it does not hold gets the same short answer.
        status, headers, body = request(varnish, "/products/4")
        assert status == 503 and headers["retry-after"] == "5"
        assert b"Busy for a moment" in body
    finally:
        held.release()
    for caller in callers:
        caller.join(60)
    # The request that waited in the queue was served once a slot freed.
    statuses = sorted(status for status, _, _ in answers.values())
    assert statuses == [200] * QUEUE + [503] * (len(callers) - QUEUE)
