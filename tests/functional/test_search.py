"""/search, /api/v1/search and /api/v1/search/suggest through WebTest, on
the fixed catalog of tests/unit/emporium/search/catalog.py."""

from __future__ import annotations

import pytest
import webtest
from bs4 import BeautifulSoup

from tests.unit.emporium.search import catalog

HOST = {"HTTP_HOST": "localhost:6543"}


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> webtest.TestApp:
    return catalog.web_app(catalog.build(tmp_path_factory.mktemp("search-web")))


@pytest.fixture(scope="module")
def unindexed(tmp_path_factory) -> webtest.TestApp:
    return catalog.web_app(
        catalog.build(tmp_path_factory.mktemp("search-none"), index=False)
    )


def _cards(response) -> list[str]:
    soup = BeautifulSoup(response.text, "html.parser")
    return [h.get_text(strip=True) for h in soup.select(".product-card .product-name")]


def test_search_page_lists_product_cards_best_match_first(app):
    response = app.get("/search", {"q": "magic castle"})
    assert response.status_code == 200
    assert _cards(response)[0] == "Magic Castle"
    assert "3 products found" in response.text
    assert response.headers["Content-Type"].startswith("text/html")


def test_search_page_offers_facets_and_sort_choices(app):
    response = app.get("/search", {"section": "videogames"})
    soup = BeautifulSoup(response.text, "html.parser")
    platforms = soup.select(".facet-platform li a")
    assert {a.get_text() for a in platforms} == {
        "PC",
        "Nintendo Switch",
        "PlayStation 5",
    }
    pc = next(a for a in platforms if a.get_text() == "PC")
    narrowed = app.get(pc["href"])
    assert sorted(_cards(narrowed)) == ["Castle Siege", "Space Racer"]
    sorts = [a.get_text() for a in soup.select(".search-sorts a")]
    assert "Price, low to high" in sorts
    price = next(a for a in soup.select(".search-sorts a") if "Price" in a.get_text())
    assert _cards(app.get(price["href"]))[0] == "Dragon Rally"


def test_search_page_paginates(app):
    first = app.get("/search", {"per_page": 4})
    assert "Page 1 of 4" in first.text
    soup = BeautifulSoup(first.text, "html.parser")
    second = app.get(soup.select_one("a[rel=next]")["href"])
    assert "Page 2 of 4" in second.text
    assert not set(_cards(first)) & set(_cards(second)) - {"Space Racer"}


def test_in_stock_filter_hides_sold_out(app):
    assert "Castle of Magic Cards" in _cards(app.get("/search", {"q": "castle"}))
    cards = _cards(app.get("/search", {"q": "castle", "in_stock": "1"}))
    assert "Castle of Magic Cards" not in cards
    assert "Magic Castle" in cards


def test_api_search(app):
    data = app.get(
        "/api/v1/search", {"q": "donaldson", "section": "books", "sort": "price"}
    ).json
    assert data["ids"] == [10, 11]
    assert data["total"] == 2
    assert [p["name"] for p in data["products"]] == [
        "The Gruffalo",
        "Room on the Broom",
    ]
    first = data["products"][0]
    assert first["price"] == "7.99"
    assert first["currency"] == "USD"
    assert first["url"] == "/products/10"
    assert first["availability"] == "in_stock"
    assert data["products"][1]["availability"] == "sold_out"
    assert {f["value"] for f in data["facets"]["format"]} == {"paperback", "hardcover"}
    assert data["sorts"] == ["relevance", "bestselling", "price", "newest", "title"]


def test_api_search_facet_filter(app):
    data = app.get(
        "/api/v1/search", {"section": "videogames", "platform": "Nintendo Switch"}
    ).json
    assert set(data["ids"]) == {21, 24}
    assert data["facets"]["platform"] == [{"value": "Nintendo Switch", "count": 2}]


def test_suggest(app):
    data = app.get("/api/v1/search/suggest", {"q": "gruf"}).json
    assert data["suggestions"] == [
        {"id": 10, "name": "The Gruffalo", "url": "/products/10"}
    ]
    assert app.get("/api/v1/search/suggest", {"q": ""}).json["suggestions"] == []


@pytest.mark.parametrize(
    "query",
    [
        "'; DROP TABLE products; --",
        "1' OR '1'='1",
        "",
        "   ",
        "東京の猫",
        "Ünïcödé ñ",
        "<script>alert(1)</script>",
        "title:(magic AND",
        "x" * 500,
    ],
)
def test_odd_queries_are_answered(app, query):
    html = app.get("/search", {"q": query})
    assert html.status_code == 200
    assert "<script>alert" not in html.text
    data = app.get("/api/v1/search", {"q": query}).json
    assert data["total"] == len(data["ids"]) or data["total"] > len(data["ids"])
    assert app.get("/api/v1/search/suggest", {"q": query}).status_code == 200


def test_non_latin_title_is_found(app):
    assert app.get("/api/v1/search", {"q": "東京の猫"}).json["ids"] == [14]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 501}, "q"),
        ({"sort": "cheapest"}, "sort"),
        ({"section": "garden"}, "section"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"price_min": "ten"}, "price_min"),
        ({"price_min": "20", "price_max": "10"}, "price_max"),
        ({"category": "-1"}, "category"),
        ({"section": "books", "sort": "title", "format": "x" * 201}, "format"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(app, params, field):
    response = app.get("/api/v1/search", params, status=400)
    assert response.content_type == "application/problem+json"
    assert response.json["field"] == field
    page = app.get("/search", params, status=400)
    assert field in page.text


def test_sorts_are_the_sections_own(app):
    # The video games section declares no title sort.
    params = {"section": "videogames", "sort": "title"}
    assert app.get("/api/v1/search", params, status=400).json["field"] == "sort"
    assert app.get("/api/v1/search", {"section": "books", "sort": "title"}).json[
        "ids"
    ] == [12, 11, 13, 10, 14]


def test_header_has_a_search_box(app):
    soup = BeautifulSoup(app.get("/books/").text, "html.parser")
    form = soup.select_one("header form[role=search]")
    assert form["action"] == "/search"
    assert form.select_one("input[name=section]")["value"] == "books"


def test_no_index_gives_a_themed_503_never_a_500(unindexed):
    page = unindexed.get("/search", {"q": "castle"}, status=503)
    assert "Search is unavailable" in page.text
    assert 'class="site-header' in page.text  # the themed layout
    assert page.headers["Retry-After"]
    api = unindexed.get("/api/v1/search", {"q": "castle"}, status=503)
    assert api.content_type == "application/problem+json"
    assert api.json["status"] == 503
    unindexed.get("/api/v1/search/suggest", {"q": "cas"}, status=503)
    # The rest of the store works, and /health reports search without failing.
    unindexed.get("/books/", status=200)
    health = unindexed.get("/health", extra_environ={"REMOTE_ADDR": "127.0.0.1"}).json
    assert health["checks"]["search"]["available"] is False


def test_api_price_range_and_category(app):
    data = app.get(
        "/api/v1/search", {"section": "books", "price_min": "8", "price_max": "13.00"}
    ).json
    assert set(data["ids"]) == {11, 12}
    assert set(app.get("/api/v1/search", {"category": "3"}).json["ids"]) == {12, 13, 14}


def test_openapi_describes_the_search_endpoints(app):
    document = app.get("/api/v1/openapi.json").json
    assert {"/api/v1/search", "/api/v1/search/suggest"} <= set(document["paths"])
    schemas = document["components"]["schemas"]
    data = app.get("/api/v1/search", {"q": "castle"}).json
    assert set(schemas["SearchResults"]["required"]) == set(data)
    assert set(schemas["SearchProduct"]["required"]) == set(data["products"][0])
    suggestions = app.get("/api/v1/search/suggest", {"q": "cas"}).json
    assert set(schemas["SearchSuggestions"]["required"]) == set(suggestions)


@pytest.mark.parametrize(
    "start",
    [
        {},
        {"q": "castle"},
        {"sort": "title"},
        {"sort": "price", "per_page": 2},
        {"section": "books", "sort": "title"},
        {"section": "videogames", "sort": "price"},
        {"section": "videogames", "platform": "PC", "per_page": 1},
    ],
)
def test_every_link_of_a_search_page_is_answered(app, start):
    # A search page offers only what its links' targets accept: a sort one
    # section lacks is never carried into that section's link.
    page = app.get("/search", start)
    soup = BeautifulSoup(page.text, "html.parser")
    links = {a["href"] for a in soup.select("a[href]")}
    links = {href for href in links if href.startswith("/search")}
    assert links, "the page offers no search links"
    failed = {href: app.get(href, expect_errors=True).status_code for href in links}
    assert {href: s for href, s in failed.items() if s >= 400} == {}
