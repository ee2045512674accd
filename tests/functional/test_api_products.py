"""GET /api/v1/products and /api/v1/products/{id}."""

from __future__ import annotations

from sqlalchemy import select

from emporium_bookstore.models import BookDetails
from emporium_catalog.models import Product

DATABASES = ("sqlite", "postgresql")


def test_list_pages_through_a_section(testapp, dbsession):
    first = testapp.get("/api/v1/products", {"section": "books", "per_page": 5}).json
    assert len(first["products"]) == 5 and first["next_page"] == 2
    second = testapp.get(
        "/api/v1/products", {"section": "books", "per_page": 5, "page": 2}
    ).json
    ids = [p["id"] for p in first["products"] + second["products"]]
    expected = list(
        dbsession.scalars(
            select(Product.id)
            .where(Product.section == "books")
            .order_by(Product.best_seller_rank, Product.id)
            .limit(10)
        )
    )
    assert ids == expected
    assert first["products"][0]["url"] == f"/products/{ids[0]}"


def test_a_book_has_price_stock_section_and_its_own_fields(testapp, dbsession):
    book = dbsession.scalar(
        select(Product).where(Product.section == "books").order_by(Product.id).limit(1)
    )
    details = dbsession.get(BookDetails, book.id)
    body = testapp.get(f"/api/v1/products/{book.id}").json
    assert body["price"] == f"{book.price:.2f}" and body["currency"] == "USD"
    assert body["stock"] == book.stock and body["section"] == "books"
    assert body["author"] == details.author and body["isbn"] == details.isbn
    assert body["fields"]["format"] == details.format


def test_bad_product_api_input(testapp):
    problem = testapp.get("/api/v1/products", {"section": "toys"}, status=400).json
    assert problem["field"] == "section"
    problem = testapp.get("/api/v1/products", {"per_page": 1000}, status=400).json
    assert problem["field"] == "per_page"
    problem = testapp.get("/api/v1/products", {"page": "x"}, status=400).json
    assert problem["field"] == "page"
    assert testapp.get("/api/v1/products/987654321", status=404).json["status"] == 404
    assert testapp.get("/api/v1/products/abc", status=400).json["field"] == "id"
