"""The {{ cookiecutter.title }} section in a store: its pages, its search
facet, its admin form and the cart, on Emporium's testing kit."""

import pytest

from emporium.sections import get_section
from emporium.testing import check_section

SECTION = "{{ cookiecutter.section }}"


@pytest.fixture(scope="session")
def section(emporium_app):
    return get_section(emporium_app.registry, SECTION)


@pytest.fixture(scope="session")
def formats(section) -> set[str]:
    return set(next(f for f in section.fields if f.name == "format").choices)


def test_the_section_conforms(emporium_app):
    # Fields declared and typed, migrations that go up and down leaving
    # nothing, search documents with the facets, templates that render.
    check_section(emporium_app, SECTION)


def test_its_front_shows_its_banner_and_best_sellers(webapp, seeded_catalog, section):
    page = webapp.get(section.prefix)
    assert page.html.select_one(".section-banner h1").get_text() == section.title
    shown = {h.get_text() for h in page.html.select(".product-card .product-name")}
    seeded = {seeded_catalog.product(sku).name for sku in seeded_catalog.skus(SECTION)}
    assert shown and shown <= seeded


def test_a_product_page_shows_its_fields(webapp, seeded_catalog, formats):
    product = seeded_catalog.product(seeded_catalog.skus(SECTION)[0])
    page = webapp.get(f"/products/{product.id}")
    assert page.html.select_one("h1").get_text(strip=True) == product.name
    byline = page.html.select_one(".byline")
    assert byline.select_one(".maker").get_text().startswith("by ")
    assert byline.select_one(".format").get_text() in formats


def test_search_counts_and_narrows_by_format(webapp, formats, search_index):
    found = webapp.get("/api/v1/search", {"section": SECTION}).json
    counts = {c["value"]: c["count"] for c in found["facets"]["format"]}
    assert counts and set(counts) <= formats
    value, count = next(iter(counts.items()))
    narrowed = webapp.get("/api/v1/search", {"section": SECTION, "format": value})
    assert narrowed.json["total"] == count


def test_the_admin_creates_a_product_with_its_fields(webapp, formats):
    webapp.login_admin()
    page = webapp.get("/admin/products/new", {"section": SECTION})
    form = next(f for f in page.forms.values() if f.action == "/admin/products/new")
    form["sku"] = f"{SECTION.upper()}-NEW-1"
    form["name"] = "A new one"
    form["price"] = "12.50"
    form["stock"] = "3"
    form["detail.maker"] = "Some Maker"
    form["detail.format"] = sorted(formats)[0]
    form["detail.year"] = "1999"
    created = form.submit(status=303)
    product_id = created.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    page = webapp.get(f"/products/{product_id}")
    assert page.html.select_one(".byline .maker").get_text() == "by Some Maker"
    assert page.html.select_one(".byline .year").get_text() == "1999"


def test_its_products_go_in_the_cart(webapp, seeded_catalog):
    product = next(
        seeded_catalog.product(sku)
        for sku in seeded_catalog.skus(SECTION)
        if seeded_catalog.product(sku).stock > 0
    )
    webapp.add_to_cart(product.sku, 2)
    cart = webapp.get("/api/v1/cart").json
    assert [(i["sku"], i["quantity"]) for i in cart["items"]] == [(product.sku, 2)]
