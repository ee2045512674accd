"""A section whose plugin is disabled (or removed) sells and shows nothing:
its product and category pages 404, it is gone from the sitemaps, search
results and facets, and a cart refuses its products; enabling the plugin
again brings them back. The same database serves both apps."""

from __future__ import annotations

import pytest

from tests.functional.test_api_checkout import Shopper
from tests.unit.emporium.search import catalog

GAME, CATEGORY = 22, "videogames-adventure"  # Castle Siege


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return catalog.build(tmp_path_factory.mktemp("disabled-section"))


@pytest.fixture(scope="module")
def enabled(settings):
    return catalog.web_app(settings)


@pytest.fixture(scope="module")
def disabled(settings):
    plugins = settings["emporium.plugins"].replace("videogames", "").split()
    return catalog.web_app(dict(settings, **{"emporium.plugins": " ".join(plugins)}))


def search_names(app, **params):
    response = app.get("/api/v1/search", params)
    return response.json


def test_its_pages_answer_404(enabled, disabled):
    assert enabled.get(f"/products/{GAME}").status_code == 200
    assert enabled.get(f"/categories/{CATEGORY}").status_code == 200
    disabled.get(f"/products/{GAME}", status=404)
    disabled.get(f"/categories/{CATEGORY}", status=404)
    disabled.get("/videogames/", status=404)
    # The other sections are untouched.
    assert disabled.get("/products/10").status_code == 200


def test_it_is_gone_from_the_sitemaps(enabled, disabled):
    for app, present in ((enabled, True), (disabled, False)):
        pages = app.get("/sitemaps/pages.xml").text
        products = app.get("/sitemaps/products-1.xml").text
        assert ("/videogames/" in pages) is present
        assert (f"/categories/{CATEGORY}<" in pages) is present
        assert (f"/products/{GAME}<" in products) is present
        assert "/products/10<" in products


def test_it_is_gone_from_search_results_and_facets(enabled, disabled):
    found = enabled.get("/api/v1/search", {"q": "castle"}).json
    assert GAME in [p["id"] for p in found["products"]]
    found = disabled.get("/api/v1/search", {"q": "castle"}).json
    assert GAME not in [p["id"] for p in found["products"]]
    assert found["products"], "the store's castles are still found"
    page = disabled.get("/search", {"q": "castle"})
    assert "section=videogames" not in page.text
    assert "section=videogames" in enabled.get("/search", {"q": "castle"}).text


def test_a_cart_refuses_its_products(enabled, disabled):
    problem = Shopper(disabled).add(GAME, status=404).json
    assert str(GAME) in problem["detail"]
    Shopper(enabled).add(GAME)
