"""The themed 500: a traceback in the log with the request id, nothing else
on the page."""

from __future__ import annotations

import logging

import webtest

from emporium.config import configure
from tests.conftest import make_settings


def boom(request):
    raise RuntimeError("secret internals: password=hunter2")


def includeme(config):
    config.add_route("boom", "/boom")
    config.add_view(boom, route_name="boom")


def test_a_view_that_raises_gives_the_themed_500(app_settings, caplog):
    settings = dict(
        app_settings, **{"pyramid.includes": "tests.functional.test_errors"}
    )
    app = webtest.TestApp(configure(settings).make_wsgi_app())
    with caplog.at_level(logging.ERROR, logger="emporium"):
        response = app.get("/boom", status=500)
    request_id = response.headers["X-Request-Id"]
    assert "Something went wrong" in response.text
    assert request_id in response.text
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert "/themes/default/site.css" in response.text
    [record] = [r for r in caplog.records if r.name == "emporium.errorpages"]
    assert request_id in record.getMessage()
    assert record.exc_info[0] is RuntimeError
    assert "hunter2" in caplog.text


def test_health_is_503_when_the_database_does_not_answer(tmp_path):
    missing = tmp_path / "no" / "such" / "folder" / "db.sqlite"
    app = webtest.TestApp(
        configure(make_settings(f"sqlite:///{missing}")).make_wsgi_app()
    )
    # A proxy's health check reads the status; a scraper sees which check.
    assert app.get("/health", status=503).json == {"status": "failing"}
    response = app.get(
        "/health", extra_environ={"REMOTE_ADDR": "127.0.0.1"}, status=503
    )
    assert response.json["status"] == "failing"
    assert response.json["checks"]["database"]["ok"] is False


def test_a_well_formed_request_id_from_the_proxy_is_kept(testapp):
    response = testapp.get("/health", headers={"X-Request-Id": "abc123def456"})
    assert response.headers["X-Request-Id"] == "abc123def456"
    response = testapp.get("/health", headers={"X-Request-Id": "<script>"})
    assert response.headers["X-Request-Id"] != "<script>"
