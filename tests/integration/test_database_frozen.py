"""PostgreSQL frozen under a running store (every process of the server
stopped with SIGSTOP, or its postmaster alone): the kernel still accepts
and acknowledges, so nothing on the wire ever times out. A request must get
the store's 503 while the server is still frozen, never wait for it; and
once the server is continued the store serves again by itself.

The server is this module's own, so that stopping it stops no other test."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import webtest
from sqlalchemy import create_engine, text

from emporium.config import configure
from tests.conftest import build_database, make_settings
from tests.services import postgresql_server

# Far beyond the bounds the store is given here (2 s): a request still
# waiting then is waiting for the server, and fails the test.
HANG_GUARD = 60.0


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with postgresql_server() as url:
        yield url


@pytest.fixture(scope="module")
def store(server):
    base = server.rsplit("/", 1)[0]
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text('CREATE DATABASE "frozen"'))
        postmaster = _parent(
            connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE backend_type = 'checkpointer'"
                )
            ).scalar()
        )
    engine.dispose()
    settings = make_settings(
        f"{base}/frozen",
        **{
            "emporium.database.connect_timeout": "2",
            "emporium.database.answer_timeout": "2",
            # The 503 page must not come from the object cache.
            "cache.tiers": "memory",
        },
    )
    build_database(settings, products=5)
    config = configure(settings)
    app = webtest.TestApp(
        config.make_wsgi_app(),
        extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "10.3.0.2"},
    )
    # A shopper with a cart: reading it always reads the database.
    token = app.get("/api/v1/cart").json["csrf_token"]
    app.post_json(
        "/api/v1/cart/items",
        {"product_id": 1, "quantity": 1},
        headers={"X-CSRF-Token": token},
        status=201,
    )
    yield app, postmaster
    config.registry["db.engine"].dispose()


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if _parent(int(entry.name)) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


@contextmanager
def frozen(pids: list[int]) -> Iterator[None]:
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def answer_while_frozen(app, path: str):
    """The response to ``path``, which must come while the server is still
    frozen (the caller continues it only after)."""
    result: dict = {}

    def ask() -> None:
        try:
            result["response"] = app.get(path, expect_errors=True)
        except BaseException as exc:  # noqa: BLE001 - reported below
            result["error"] = exc

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), f"{path} waited for the frozen server"
    assert "error" not in result, result.get("error")
    return result["response"]


def assert_unavailable(page, api) -> None:
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert "Please try again" in page.text and "Traceback" not in page.text
    assert api.status_code == 503
    assert api.content_type == "application/problem+json"
    assert api.json["status"] == 503


def test_a_frozen_server_gets_a_503_and_the_store_recovers(store):
    app, postmaster = store
    app.get("/api/v1/cart", status=200)
    # The pool holds a connection now, whose backend will be frozen.
    assert app.app.registry["db.engine"].pool.checkedin() >= 1
    with frozen([postmaster, *_children(postmaster)]):
        api = answer_while_frozen(app, "/api/v1/cart")
        page = answer_while_frozen(app, "/cart")
        health = answer_while_frozen(app, "/health")
    assert_unavailable(page, api)
    assert health.status_code == 503
    app.get("/cart", status=200)
    app.get("/api/v1/cart", status=200)
    app.get("/health", status=200)


def test_a_frozen_postmaster_fails_new_connections_only(store):
    app, postmaster = store
    app.get("/api/v1/cart", status=200)
    engine = app.app.registry["db.engine"]
    assert engine.pool.checkedin() >= 1
    with frozen([postmaster]):
        # The pooled connection's backend still answers.
        app.get("/api/v1/cart", status=200)
        # A new connection is never accepted: it gets the 503 in time.
        engine.dispose()
        page = answer_while_frozen(app, "/cart")
        api = answer_while_frozen(app, "/api/v1/cart")
    assert_unavailable(page, api)
    app.get("/cart", status=200)
