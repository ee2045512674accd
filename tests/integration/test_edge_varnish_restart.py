"""The shipped edge (deploy/haproxy/haproxy.cfg) carries a restart of
Varnish behind it, as in the cluster:

    edge (HAProxy) -> Varnish -> apps (HAProxy) -> app server

While Varnish is stopped and started again, the edge tries a safe request
again until Varnish answers: no GET fails."""

from __future__ import annotations

import threading
import time

from tests.conftest import build_database, make_settings
from tests.integration.appserver import app_server
from tests.integration.edge import haproxy
from tests.integration.test_haproxy import request
from tests.integration.test_varnish import SECRET, ensure_varnish, varnish_server
from tests.services import free_port


def _answered(edge: int, statuses: list, done: threading.Event) -> None:
    while not done.is_set():
        try:
            status, _, body = request(edge, "/")
            statuses.append(status if status == 200 else (status, body[:200]))
        except OSError as error:
            statuses.append(repr(error))


def test_gets_through_the_edge_all_succeed_while_varnish_restarts(tmp_path):
    ensure_varnish()
    settings = make_settings(
        f"sqlite:///{tmp_path / 'edge.sqlite'}",
        **{"emporium.session.secret": SECRET, "emporium.trusted_proxies": "127.0.0.1"},
    )
    build_database(settings, products=5)
    apps, varnish = free_port(), free_port()
    statuses: list = []
    done = threading.Event()
    with (
        app_server(settings, tmp_path) as app_port,
        haproxy(
            varnish,
            f"127.0.0.1:{app_port}",
            apps,
            # One shopper asking as fast as it is answered is no flood here.
            EDGE_RATE=10**6,
            EDGE_BURST=10**6,
        ) as edge,
    ):
        with varnish_server(apps, tmp_path, SECRET, varnish, "/apps-health"):
            deadline = time.monotonic() + 30  # a hang guard
            while request(edge, "/")[0] != 200:
                assert time.monotonic() < deadline, "the stack never got healthy"
                time.sleep(0.2)
            shopper = threading.Thread(target=_answered, args=(edge, statuses, done))
            shopper.start()
            while len(statuses) < 5 and shopper.is_alive():
                time.sleep(0.05)
        # Varnish is stopped here and started again on the same port.
        stopped = len(statuses)
        try:
            with varnish_server(apps, tmp_path, SECRET, varnish, "/apps-health"):
                # Answered across the restart, and a few after it.
                while len(statuses) < stopped + 20 and shopper.is_alive():
                    time.sleep(0.05)
                done.set()
                shopper.join()
        finally:
            done.set()
            shopper.join()
    assert len(statuses) >= stopped + 20, "the shopper stopped asking"
    assert [s for s in statuses if s != 200] == []
