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


def end_the_stores_connections(url: str) -> int:
    """What a restart does to the store's connections: end every backend of
    its database (but this one); returns how many were ended."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        engine.dispose()


def test_the_first_requests_after_a_restart_are_served(store):
    app, url = store
    for _ in range(3):  # the pool holds connections now
        app.get("/", status=200)
        app.get("/api/v1/cart", status=200)
    assert end_the_stores_connections(url) >= 1
    assert app.get("/", expect_errors=True).status_code == 200
    assert app.get("/api/v1/cart", expect_errors=True).status_code == 200
