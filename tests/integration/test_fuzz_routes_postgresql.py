"""The route fuzz test on PostgreSQL: a value SQLite stores happily can
still fail there (a NUL character in a text value is refused by the
server's driver), and must be the request's 400, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.conftest import fresh_database
from tests.functional import test_fuzz_routes
from tests.functional.raw import call
from tests.unit.emporium.search import catalog

test_no_route_answers_a_nasty_request_with_a_5xx = (
    test_fuzz_routes.test_no_route_answers_a_nasty_request_with_a_5xx
)


@pytest.fixture(scope="module")
def store(request, tmp_path_factory):
    url = fresh_database(request, "postgresql", tmp_path_factory)
    folder = tmp_path_factory.mktemp("fuzz-routes-postgresql")
    settings = catalog.build(
        folder,
        **{"sqlalchemy.url": url, "emporium.search.index": str(folder / "index")},
    )
    yield from test_fuzz_routes.fuzzed_store(settings)


def test_a_nul_in_a_query_value_is_a_400_naming_it(store):
    cookie, token = store["admin"]
    headers = {"Cookie": cookie, "X-CSRF-Token": token}
    page = call(store["app"], "GET", "/admin/products", "q=a%00b", headers, b"")
    assert page.status == 400
    assert "must not contain a NUL character" in page.text
    assert "Field: <code>q</code>" in page.text
    api = call(store["app"], "GET", "/api/v1/products", "section=%00", headers, b"")
    assert api.status == 400
    assert json.loads(api.text)["errors"] == [
        {"field": "section", "message": "must not contain a NUL character"}
    ]
