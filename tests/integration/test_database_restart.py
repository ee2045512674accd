"""PostgreSQL restarting under a running store: the connections the pool
held die with the server's backends, and the first request after it comes
back must be served, not failed, because every connection is tested as it
leaves the pool (pool pre-ping).

A fast restart ends every backend; so does ``pg_terminate_backend``, which
is what is done here to the store's connections, on a real server."""

from __future__ import annotations

import pytest
import webtest
from sqlalchemy import create_engine, text

from emporium.config import configure
from tests.conftest import build_database, fresh_database, make_settings


@pytest.fixture
def store(request, tmp_path_factory):
    url = fresh_database(request, "postgresql", tmp_path_factory)
    settings = make_settings(url)
    build_database(settings, products=5)
    app = webtest.TestApp(
        configure(settings).make_wsgi_app(),
        extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "10.3.0.1"},
    )
    return app, url


def on_the_server(url: str, sql: str):
    """Run ``sql`` on the server of the store's database ``url``, from its
    ``postgres`` database, with the store's database name as ``:name``."""
    server, name = url.rsplit("/", 1)
    engine = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            result = connection.execute(text(sql), {"name": name})
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def end_the_stores_connections(url: str) -> int:
    """What a restart does to the store's connections: end every backend of
    its database; returns how many were ended."""
    return on_the_server(
        url,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = :name",
    )


def test_the_first_requests_after_a_restart_are_served(store):
    app, url = store
    for _ in range(3):  # the pool holds connections now
        app.get("/", status=200)
        app.get("/api/v1/cart", status=200)
    assert end_the_stores_connections(url) >= 1
    assert app.get("/", expect_errors=True).status_code == 200
    assert app.get("/api/v1/cart", expect_errors=True).status_code == 200


def allow_connections(url: str, allowed: bool) -> None:
    """The store's database refusing every new connection (and its current
    ones ended) is the store as it meets a server that is down."""
    name = url.rsplit("/", 1)[1]
    flag = "true" if allowed else "false"
    on_the_server(url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {flag}')
    if not allowed:
        end_the_stores_connections(url)


def test_a_database_that_is_down_gets_a_503_and_the_store_recovers(store):
    app, url = store
    app.get("/cart", status=200)
    allow_connections(url, False)
    try:
        # (The home page may still come from the object cache: the cart
        # cannot.)
        page = app.get("/cart", expect_errors=True)
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "5"
        assert "Please try again" in page.text and "Traceback" not in page.text
        assert page.content_type == "text/html"  # the store's own page
        api = app.get("/api/v1/cart", expect_errors=True)
        assert api.status_code == 503
        assert api.content_type == "application/problem+json"
        assert api.json["status"] == 503
    finally:
        allow_connections(url, True)
    app.get("/cart", status=200)
    app.get("/api/v1/cart", status=200)
