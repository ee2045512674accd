"""deploy/haproxy/haproxy.cfg, run by a real HAProxy in front of a real app
server: a flooding client gets 429 at the edge, another client does not."""

from __future__ import annotations

import http.client
import os
import subprocess

import pytest

from tests.conftest import ROOT, build_database, make_settings
from tests.integration.appserver import app_server
from tests.services import ensure_debian_packages, free_port, stop, wait_for_port

CONFIG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
RATE = 20


def get(port: int, source: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request("GET", "/health")
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    haproxy = ensure_debian_packages(["haproxy"], "/usr/sbin/haproxy")
    workdir = tmp_path_factory.mktemp("edge")
    settings = make_settings(f"sqlite:///{workdir / 'edge.sqlite'}")
    build_database(settings, products=0)
    with app_server(settings, workdir) as app_port:
        app = f"127.0.0.1:{app_port}"
        edge_port = free_port()
        env = dict(
            os.environ,
            EMPORIUM_EDGE=f"127.0.0.1:{edge_port}",
            EMPORIUM_VARNISH=app,
            EMPORIUM_APPS_BIND=f"127.0.0.1:{free_port()}",
            EMPORIUM_APP1=app,
            EMPORIUM_APP2=app,
            EMPORIUM_APP3=app,
            EMPORIUM_SEARCH=f"127.0.0.1:{free_port()}",
            EMPORIUM_SEARCH1=app,
            EMPORIUM_SEARCH2=app,
            EMPORIUM_EDGE_RATE=str(RATE),
        )
        check = subprocess.run(
            [haproxy, "-c", "-f", str(CONFIG)], env=env, capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
        process = subprocess.Popen(
            [haproxy, "-db", "-f", str(CONFIG)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(edge_port, process=process)
            yield edge_port
        finally:
            stop(process)


def test_a_flood_is_stopped_at_the_edge_and_others_pass(edge):
    statuses = [get(edge, "127.0.0.5")[0] for _ in range(RATE + 5)]
    assert statuses[:RATE] == [200] * RATE
    assert statuses[RATE:] == [429] * 5
    status, headers = get(edge, "127.0.0.5")
    assert status == 429 and headers["retry-after"] == "10"
    assert get(edge, "127.0.0.6")[0] == 200


def test_purges_are_refused_at_the_edge(edge):
    for method in ("PURGE", "BAN"):
        connection = http.client.HTTPConnection(
            "127.0.0.1", edge, timeout=10, source_address=("127.0.0.7", 0)
        )
        try:
            connection.request(method, "/", headers={"x-ban-prefix": "/"})
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        assert response.status == 405, method
