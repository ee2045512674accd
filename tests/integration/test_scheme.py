"""The scheme of a cached page is the edge's, never a client's: the shipped
HAProxy edge in front of the shipped Varnish in front of a real app server
that trusts them (as production.ini does). A client that sends
``X-Forwarded-Proto: https`` over plain http cannot make the next shopper get
https URLs or an HSTS header from the cache, and a page fetched over TLS is
kept apart from the same page over http."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT, build_database, make_settings
from tests.integration.appserver import wait_healthy, write_ini
from tests.integration.edge import haproxy
from tests.integration.test_varnish import SECRET, fetch, varnish_server
from tests.services import free_port, stop, wait_for_port

HOST = {"Host": "shop.test"}


@contextmanager
def gunicorn_server(settings: dict, workdir: Path):
    """The app as the cluster runs it (deploy/gunicorn.conf.py, one worker),
    which believes X-Forwarded-Proto from loopback; yields its port."""
    port = free_port()
    ini = write_ini(workdir / f"app-{port}.ini", settings, port)
    log = (workdir / f"app-{port}.log").open("wb")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "--paste", str(ini)],
        env=dict(os.environ, EMPORIUM_BIND=f"127.0.0.1:{port}", EMPORIUM_WORKERS="1"),
        stdout=log, stderr=log, cwd=ROOT,
    )  # fmt: skip
    try:
        wait_for_port(port, timeout=60, process=process)
        # The port opens before the worker has loaded the app.
        wait_healthy(port, timeout=60)
        yield port
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="module")
def tiers(tmp_path_factory):
    """(edge port, varnish port): HAProxy → Varnish → app."""
    workdir = tmp_path_factory.mktemp("scheme")
    settings = make_settings(
        f"sqlite:///{workdir / 'shop.sqlite'}",
        **{"emporium.session.secret": SECRET, "emporium.trusted_proxies": "127.0.0.1"},
    )
    build_database(settings, products=20)
    with (
        gunicorn_server(settings, workdir) as app_port,
        varnish_server(app_port, workdir, SECRET) as varnish_port,
        haproxy(varnish_port, f"127.0.0.1:{varnish_port}", EDGE_RATE=1000) as edge,
    ):
        yield edge, varnish_port


@pytest.mark.parametrize("path", ["/sitemap.xml", "/robots.txt"])
def test_a_client_sent_scheme_reaches_neither_the_app_nor_the_next_shopper(tiers, path):
    edge, _ = tiers
    spoofed = fetch(edge, path, headers={**HOST, "X-Forwarded-Proto": "https"})
    assert spoofed.status == 200, spoofed.body[:300]
    assert b"https://" not in spoofed.body and b"http://shop.test/" in spoofed.body
    assert "strict-transport-security" not in spoofed.headers
    following = fetch(edge, path, headers=HOST)
    assert following.cache == "HIT"
    assert following.body == spoofed.body
    assert "strict-transport-security" not in following.headers


def test_a_page_fetched_over_tls_is_kept_apart_from_the_same_page_over_http(tiers):
    edge, varnish = tiers
    path = "/sitemaps/pages.xml"
    # What the edge sends Varnish for a shopper on TLS.
    secure = fetch(varnish, path, headers={**HOST, "X-Forwarded-Proto": "https"})
    assert b"https://shop.test/" in secure.body
    assert "strict-transport-security" in secure.headers
    plain = fetch(edge, path, headers=HOST)
    assert plain.status == 200
    assert b"https://" not in plain.body
    assert "strict-transport-security" not in plain.headers
    again = fetch(varnish, path, headers={**HOST, "X-Forwarded-Proto": "https"})
    assert again.cache == "HIT" and again.body == secure.body
