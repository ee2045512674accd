"""A shopper browsing the store: fronts, categories, products, errors."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from emporium_bookstore.models import BookDetails
from emporium_catalog.models import Category, Product
from emporium_videogames.models import VideoGameDetails

# Run on SQLite and on PostgreSQL.
DATABASES = ("sqlite", "postgresql")


def first_product(dbsession, section: str) -> Product:
    return dbsession.scalar(
        select(Product).where(Product.section == section).order_by(Product.id).limit(1)
    )


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "Toys &amp; Games"),
        ("/books/", "The Bookstore"),
        ("/videogames/", "Video Games"),
    ],
)
def test_section_fronts(testapp, path, heading):
    response = testapp.get(path)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.text
    assert response.html.select(".product-card"), "a front shows best sellers"
    assert "Set-Cookie" not in response.headers


def test_each_section_has_its_own_look(testapp):
    books = testapp.get("/books/")
    games = testapp.get("/videogames/")
    assert "/static/bookstore/books.css" in books.text
    assert "/static/videogames/games.css" in games.text
    assert 'class="section-books' in books.text
    assert 'class="section-videogames' in games.text
    testapp.get("/static/bookstore/books.css", status=200)


def test_book_page_shows_book_fields(testapp, dbsession):
    product = first_product(dbsession, "books")
    details = dbsession.get(BookDetails, product.id)
    page = testapp.get(f"/products/{product.id}")
    assert product.name in page.text
    for label in ("Author", "ISBN", "Age range", "Format"):
        assert f"<dt>{label}</dt>" in page.text
    assert details.isbn in page.text
    assert page.html.select_one(".byline .author").text == details.author
    assert "/static/bookstore/books.css" in page.text


def test_videogame_page_shows_videogame_fields(testapp, dbsession):
    product = first_product(dbsession, "videogames")
    details = dbsession.get(VideoGameDetails, product.id)
    page = testapp.get(f"/products/{product.id}")
    for label in ("Platform", "Content rating", "Genre"):
        assert f"<dt>{label}</dt>" in page.text
    assert page.html.select_one(".badges .platform").text == details.platform
    assert "<dt>ISBN</dt>" not in page.text


def test_store_product_page(testapp, dbsession):
    product = first_product(dbsession, "store")
    page = testapp.get(f"/products/{product.id}")
    assert f"<h1>{product.name}</h1>" in page.text
    assert f"${product.price:,.2f}" in page.text
    assert product.category_id is not None
    category = dbsession.get(Category, product.category_id)
    link = page.html.select_one(f".breadcrumb a[href='/categories/{category.slug}']")
    assert link is not None


def test_category_page_lists_its_products_in_rank_order(testapp, dbsession):
    category = dbsession.scalar(
        select(Category).where(Category.section == "books").limit(1)
    )
    expected = list(
        dbsession.scalars(
            select(Product.id)
            .where(Product.category_id == category.id)
            .order_by(Product.best_seller_rank, Product.id)
        )
    )
    page = testapp.get(f"/categories/{category.slug}", params={"per_page": 3})
    shown = [
        int(re.search(r"\d+", a["href"]).group())
        for a in page.html.select(".product-card > a")
    ]
    assert shown == expected[:3]


def test_category_pagination_walks_forward_and_back(testapp, dbsession):
    category = dbsession.scalar(
        select(Category).where(Category.section == "store").limit(1)
    )
    expected = list(
        dbsession.scalars(
            select(Product.id)
            .where(Product.category_id == category.id)
            .order_by(Product.best_seller_rank, Product.id)
        )
    )
    assert len(expected) > 4
    seen: list[int] = []
    url = f"/categories/{category.slug}?per_page=2"
    pages = []
    while url:
        page = testapp.get(url)
        pages.append(page)
        seen += [
            int(a["href"].rsplit("/", 1)[1])
            for a in page.html.select(".product-card > a")
        ]
        link = page.html.select_one("a[rel=next]")
        url = link["href"] if link else None
    assert seen == expected
    back = testapp.get(pages[-1].html.select_one("a[rel=prev]")["href"])
    assert back.html.select(".product-card > a") == pages[-2].html.select(
        ".product-card > a"
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"after": "abc"}, "after"),
        ({"before": "1.x"}, "before"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "1000"}, "per_page"),
        ({"per_page": "-3"}, "per_page"),
        ({"after": "1.1", "before": "2.2"}, "before"),
    ],
)
def test_bad_paging_input_is_a_400_naming_the_field(testapp, dbsession, query, field):
    category = dbsession.scalar(select(Category).limit(1))
    page = testapp.get(f"/categories/{category.slug}", params=query, status=400)
    assert f"<code>{field}</code>" in page.text


def test_unknown_product_is_the_themed_404(testapp):
    page = testapp.get("/products/987654321", status=404)
    assert "Page not found" in page.text
    assert "/themes/default/site.css" in page.text
    testapp.get("/products/not-a-number", status=404)
    testapp.get("/categories/no-such-category", status=404)
    testapp.get("/no/such/page", status=404)


def test_health_reports_the_database(testapp):
    response = testapp.get("/health", extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    assert response.json["status"] == "ok"
    assert response.json["checks"]["database"]["ok"] is True


def test_product_images_are_generated(testapp):
    response = testapp.get("/images/products/7.svg")
    assert response.content_type == "image/svg+xml"
    assert "#7" in response.text


def test_cacheable_pages_set_no_cookie(testapp, dbsession):
    product = first_product(dbsession, "books")
    for path in ("/", "/books/", f"/products/{product.id}"):
        assert "Set-Cookie" not in testapp.get(path).headers
