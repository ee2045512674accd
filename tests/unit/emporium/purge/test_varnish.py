"""The Varnish purger against a stand-in proxy on loopback: what it sends,
retries, refusals, failures logged and every purge audited."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool
from zope.interface.verify import verifyClass

from emporium.audit import AuditEntry
from emporium.interfaces import IPurger
from emporium.purge.varnish import NO_PROXY, VarnishPurger, key_batches
from tests.services import free_port


class Proxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.seen: list[tuple[str, str, dict]] = []
        self.fail_first = 0
        self.status = 200


class Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        server: Proxy = self.server
        server.seen.append((self.command, self.path, dict(self.headers)))
        status = server.status
        if server.fail_first:
            server.fail_first -= 1
            status = 503
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PURGE = do_BAN = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def proxy():
    server = Proxy(free_port())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def dbsession_factory():
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    AuditEntry.__table__.create(engine)
    yield sessionmaker(engine)
    engine.dispose()


def audit(dbsession_factory) -> list[tuple[str, str, str, str]]:
    with dbsession_factory() as session:
        return [
            (e.actor, e.action, e.target, e.result)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def purger_for(proxy, dbsession_factory, **options) -> VarnishPurger:
    options.setdefault("backoff", 0.01)
    return VarnishPurger(
        [f"http://127.0.0.1:{proxy.server_port}"], dbsession_factory, **options
    )


def test_it_implements_the_interface():
    assert verifyClass(IPurger, VarnishPurger)


def test_a_url_is_purged_with_its_host(proxy, dbsession_factory):
    purger = purger_for(
        proxy, dbsession_factory, hosts=["shop.example", "partner.example"]
    )
    results = purger.purge_urls(
        ["/products/42", "https://www.example.com/categories/a?page=2"], "user:1"
    )
    assert all(r.ok for r in results) and len(results) == 3
    sent = [(method, path, headers.get("Host")) for method, path, headers in proxy.seen]
    assert sent == [
        ("PURGE", "/products/42", "shop.example"),
        ("PURGE", "/products/42", "partner.example"),
        ("PURGE", "/categories/a?page=2", "www.example.com"),
    ]
    assert audit(dbsession_factory) == [
        ("user:1", "purge.url", "/products/42", "ok"),
        ("user:1", "purge.url", "https://www.example.com/categories/a?page=2", "ok"),
    ]


def test_keys_go_in_the_xkey_purge_header(proxy, dbsession_factory):
    results = purger_for(proxy, dbsession_factory).purge_keys(
        ["product:42", "category:7", "product:42"], "system"
    )
    assert [r.ok for r in results] == [True]
    [(method, path, headers)] = proxy.seen
    assert (method, path) == ("PURGE", "/")
    assert headers["xkey-purge"] == "category:7 product:42"
    assert [row[2] for row in audit(dbsession_factory)] == ["category:7", "product:42"]


def test_many_keys_are_sent_in_batches_under_the_header_limit():
    keys = [f"product:{i}" for i in range(2000)]
    batches = key_batches(keys)
    assert len(batches) > 1
    assert all(len(batch) <= 4000 for batch in batches)
    assert sum(len(batch.split()) for batch in batches) == 2000


def test_a_failing_proxy_is_retried(proxy, dbsession_factory):
    proxy.fail_first = 2
    [result] = purger_for(proxy, dbsession_factory, attempts=3).purge_keys(
        ["product:1"], "s"
    )
    assert result.ok and result.attempts == 3


def test_a_refusal_is_not_retried_and_is_logged_loudly(
    proxy, dbsession_factory, caplog
):
    proxy.status = 405
    with caplog.at_level(logging.ERROR, logger="emporium.purge.varnish"):
        [result] = purger_for(proxy, dbsession_factory).purge_urls(
            ["/products/1"], "cli:x"
        )
    assert not result.ok and result.status == 405 and result.attempts == 1
    assert "PURGE FAILED" in caplog.text
    assert audit(dbsession_factory) == [("cli:x", "purge.url", "/products/1", "failed")]


def test_an_unreachable_proxy_fails_after_its_attempts(dbsession_factory, caplog):
    purger = VarnishPurger(
        [f"http://127.0.0.1:{free_port()}"], dbsession_factory, attempts=2, backoff=0.01
    )
    with caplog.at_level(logging.ERROR, logger="emporium.purge.varnish"):
        [result] = purger.purge_keys(["product:9"], "system")
    assert not result.ok and result.attempts == 2
    assert "PURGE FAILED" in caplog.text
    assert audit(dbsession_factory)[0][3] == "failed"


def test_without_proxies_purges_are_recorded_and_logged(dbsession_factory, caplog):
    purger = VarnishPurger([], dbsession_factory)
    with caplog.at_level(logging.INFO, logger="emporium.purge.varnish"):
        results = purger.purge_urls(["/products/3"], "cli:root")
    assert [(r.ok, r.message) for r in results] == [(True, NO_PROXY)]
    assert audit(dbsession_factory) == [
        ("cli:root", "purge.url", "/products/3", NO_PROXY)
    ]
    assert "/products/3" in caplog.text
