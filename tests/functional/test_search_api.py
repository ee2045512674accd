"""/api/v1/search and /api/v1/search/suggest checked against the API
description: a parameter it refuses is a 400 problem naming the parameter
before any search runs; what it cannot say (registered sections, a
section's sorts, facet values, the price range) the view checks, answering
in the same shape; and the responses match it."""

from __future__ import annotations

import pytest
import webtest

from tests.unit.emporium.search import catalog

HOST = {"HTTP_HOST": "localhost:6543"}
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> webtest.TestApp:
    return catalog.web_app(catalog.build(tmp_path_factory.mktemp("search-api")))


@pytest.fixture(scope="module")
def unindexed(tmp_path_factory) -> webtest.TestApp:
    return catalog.web_app(
        catalog.build(tmp_path_factory.mktemp("search-api-none"), index=False)
    )


def _ids(app, params) -> list[int]:
    return app.get("/api/v1/search", params).json["ids"]


def _refused(response, field: str) -> dict:
    assert response.status_code == 400
    assert response.content_type == PROBLEM
    problem = response.json
    assert problem["status"] == 400 and problem["field"] == field
    assert [error["field"] for error in problem["errors"]] == [field]
    return problem["errors"][0]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"page": "0"}, "page", "must be at least 1"),
        ({"page": "abc"}, "page", "is not of the expected type"),
        ({"page": "1001"}, "page", "must be at most 1000"),
        ({"page": ""}, "page", "is not of the expected type"),
        ({"per_page": "0"}, "per_page", "must be at least 1"),
        ({"per_page": "101"}, "per_page", "must be at most 100"),
        (
            {"sort": "cheapest"},
            "sort",
            "must be one of: relevance, bestselling, price, newest, title",
        ),
        ({"q": "x" * 501}, "q", "must be at most 500 characters"),
        ({"section": ""}, "section", "must not be empty"),
        ({"section": "x" * 41}, "section", "must be at most 40 characters"),
        ({"category": "-1"}, "category", "must be at least 0"),
        ({"category": "books"}, "category", "is not of the expected type"),
        ({"price_min": "ten"}, "price_min", "is not in the expected format"),
        ({"price_max": "-5"}, "price_max", "is not in the expected format"),
        ({"price_min": "1e3"}, "price_min", "is not in the expected format"),
        ({"in_stock": "maybe"}, "in_stock", "is not of the expected type"),
    ],
)
def test_the_description_refuses_bad_parameters(app, params, field, message):
    response = app.get("/api/v1/search", params, status=400)
    assert _refused(response, field)["message"] == message
    assert response.json["detail"] == f"{field}: {message}"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"section": "garden"}, "section", "must be one of: store, books, videogames"),
        # The video games section offers no title sort.
        (
            {"section": "videogames", "sort": "title"},
            "sort",
            "must be one of: relevance, bestselling, price, newest",
        ),
        (
            {"price_min": "20", "price_max": "10"},
            "price_max",
            "must not be less than price_min",
        ),
        (
            {"price_min": "1000000000.01"},
            "price_min",
            "must be an amount from 0 to 1000000000",
        ),
        (
            {"section": "books", "format": "x" * 201},
            "format",
            "must be at most 200 characters",
        ),
    ],
)
def test_the_view_refuses_what_the_description_cannot_say(app, params, field, message):
    response = app.get("/api/v1/search", params, status=400)
    assert _refused(response, field)["message"] == message


def test_suggest_refuses_an_over_long_query(app):
    response = app.get("/api/v1/search/suggest", {"q": "x" * 501}, status=400)
    assert _refused(response, "q")["message"] == "must be at most 500 characters"
    assert "x" * 20 not in response.text  # the value is not echoed back


def test_parameters_are_checked_before_the_search_is_asked(unindexed):
    response = unindexed.get("/api/v1/search", {"page": "0"}, status=400)
    assert _refused(response, "page")
    response = unindexed.get("/api/v1/search/suggest", {"q": "x" * 501}, status=400)
    assert _refused(response, "q")
    # With valid parameters the search is asked, and its absence is a 503
    # that matches the description (Retry-After and all).
    unavailable = unindexed.get("/api/v1/search", {"q": "castle"}, status=503)
    assert unavailable.content_type == PROBLEM
    assert unavailable.headers["Retry-After"] == "30"
    assert unavailable.request.environ["emporium.validate_response"] is True


def test_responses_are_checked_against_the_description(app):
    # Strict in tests: a response that broke the description would be a 500.
    response = app.get(
        "/api/v1/search",
        {
            "q": "roald dahl",
            "section": "books",
            "sort": "price",
            "page": "1",
            "per_page": "2",
            "category": "3",
            "price_min": "5",
            "price_max": "20.00",
            "in_stock": "true",
            "format": "paperback",
        },
    )
    assert response.request.environ["emporium.validate_response"] is True
    data = response.json
    assert data["ids"] == [12] and data["products"][0]["name"] == "Matilda"
    assert data["section"] == "books" and data["sort"] == "price"
    assert (data["page"], data["per_page"], data["total"]) == (1, 2, 1)
    assert data["facets"]["format"] == [{"value": "paperback", "count": 1}]
    across = app.get("/api/v1/search", {"q": "castle"})
    assert across.request.environ["emporium.validate_response"] is True
    assert across.json["section"] is None
    assert {c["value"] for c in across.json["facets"]["section"]} == {
        "store",
        "videogames",
    }
    suggest = app.get("/api/v1/search/suggest", {"q": "cas"})
    assert suggest.request.environ["emporium.validate_response"] is True
    assert suggest.json["suggestions"]


def test_an_empty_query_lists_everything(app):
    everything = app.get("/api/v1/search").json
    assert everything["total"] == len(catalog.PRODUCTS)
    assert app.get("/api/v1/search", {"q": ""}).json == everything
    assert everything["query"] == "" and everything["sort"] == "relevance"
    assert everything["page"] == 1 and everything["per_page"] == 24
    assert app.get("/api/v1/search/suggest", {"q": ""}).json == {
        "query": "",
        "suggestions": [],
    }
    assert app.get("/api/v1/search/suggest").json["suggestions"] == []


@pytest.mark.parametrize("value", ["1", "true", "yes", "on", "TRUE"])
def test_in_stock_spellings(app, value):
    in_stock = _ids(app, {"q": "castle", "in_stock": value})
    assert 3 not in in_stock and 1 in in_stock  # Castle of Magic Cards is sold out


@pytest.mark.parametrize("value", ["0", "false", "no", "off"])
def test_out_of_stock_spellings(app, value):
    assert _ids(app, {"q": "castle", "in_stock": value}) == _ids(app, {"q": "castle"})


def test_parameters_not_described_are_ignored(app):
    # As in the products API; facet names, which vary by section, come this way.
    assert _ids(app, {"q": "castle", "colour": "red"}) == _ids(app, {"q": "castle"})
    assert set(_ids(app, {"section": "videogames", "platform": "PC"})) == {20, 22}


def test_category_and_pages(app):
    assert set(_ids(app, {"category": "3"})) == {12, 13, 14}
    first = app.get("/api/v1/search", {"per_page": "4"}).json
    second = app.get("/api/v1/search", {"per_page": "4", "page": "2"}).json
    assert first["total"] == second["total"] == len(catalog.PRODUCTS)
    assert len(first["ids"]) == len(second["ids"]) == 4
    assert not set(first["ids"]) & set(second["ids"])
    assert app.get("/api/v1/search", {"page": "1000"}).json["ids"] == []
