"""Schemathesis against /api/v1/openapi.json: generated requests, valid and
not, never get a 5xx or a response that breaks the description."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from emporium.search.indexing import rebuild
from emporium.search.services import index_directory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(app_config, wsgi_app):
    # Search answers 503 until an index exists: build one for this database.
    registry = app_config.registry
    rebuild(registry, index_directory(registry.settings))
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)


@pytest.fixture
def shopper_session(new_client, make_product):
    """A session with a CSRF token and a cart that can be checked out, so that
    generated calls get past the CSRF check and reach the handlers."""
    app = new_client()
    token = app.get("/api/v1/cart").json["csrf_token"]
    app.post_json(
        "/api/v1/cart/items",
        {"product_id": make_product(stock=1000), "quantity": 1},
        headers={"X-CSRF-Token": token},
    )
    return {"emporium_session": app.cookies["emporium_session"]}, token


def test_api_conforms_to_its_description(api_schema, shopper_session):
    cookies, token = shopper_session
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 9
    labels = {operation.label for operation in operations}
    assert {"GET /api/v1/search", "GET /api/v1/search/suggest"} <= labels

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30, deadline=None, suppress_health_check=list(HealthCheck)
        )
        def check(case):
            headers = dict(case.headers or {})
            headers.setdefault("X-CSRF-Token", token)
            case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)

        check()
