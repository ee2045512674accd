"""The JSON journey: cart, checkout, orders, and every way to get it wrong."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emporium_cart.models import Order

# Run on SQLite and on PostgreSQL.
DATABASES = ("sqlite", "postgresql")

GOOD_CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/34", "cvc": "123"}
DECLINED_CARD = {"card_number": "4000 0000 0000 0002", "expiry": "12/34", "cvc": "123"}


def checkout_body(card=GOOD_CARD, **extra):
    return {
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "address": {
            "line1": "1 Analytical St",
            "city": "London",
            "postal_code": "N1 9GU",
            "country": "GB",
        },
        "payment": card,
        **extra,
    }


class Shopper:
    """An API client holding its session cookie and CSRF token."""

    def __init__(self, app):
        self.app = app
        self.token = app.get("/api/v1/cart").json["csrf_token"]

    def call(self, method, path, body=None, status=None, headers=None, **kw):
        headers = {"X-CSRF-Token": self.token, **(headers or {})}
        if method == "GET":
            return self.app.get(path, status=status, headers=headers)
        return getattr(self.app, f"{method.lower()}_json")(
            path, body, status=status, headers=headers, **kw
        )

    def add(self, product_id, quantity=1, status=201):
        return self.call(
            "POST",
            "/api/v1/cart/items",
            {"product_id": product_id, "quantity": quantity},
            status=status,
        )

    def checkout(self, body=None, status=201, key=None):
        headers = {"Idempotency-Key": key} if key else {}
        return self.call(
            "POST",
            "/api/v1/checkout",
            body or checkout_body(),
            status=status,
            headers=headers,
        )


@pytest.fixture
def shopper(new_client):
    return Shopper(new_client())


def orders_count(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Order))


def test_cart_journey(shopper, make_product):
    product = make_product(stock=10, price_minor=1250)
    cart = shopper.add(product, 2).json
    assert cart["count"] == 2
    assert cart["items"][0]["unit_price"] == "12.50"
    assert cart["subtotal"] == "25.00"
    assert cart["shipping"] == "4.99"
    assert cart["total"] == "29.99"
    cart = shopper.add(product, 1).json
    assert cart["items"][0]["quantity"] == 3
    cart = shopper.call("PATCH", f"/api/v1/cart/items/{product}", {"quantity": 5}).json
    assert cart["count"] == 5
    cart = shopper.call("DELETE", f"/api/v1/cart/items/{product}").json
    assert cart["items"] == [] and cart["count"] == 0


def test_checkout_places_one_order_and_takes_stock(
    shopper, make_product, stock_of, engine
):
    product = make_product(stock=3, price_minor=6000)
    shopper.add(product, 2)
    response = shopper.checkout(checkout_body(total="0.01", price="0.01"))
    order = response.json
    assert response.status_code == 201
    assert order["number"].startswith("EM-")
    # The client's "price" and "total" are ignored: the database decides.
    assert order["total"] == "120.00" and order["shipping"] == "0.00"
    assert [(line["product_id"], line["quantity"]) for line in order["lines"]] == [
        (product, 2)
    ]
    assert stock_of(product) == 1
    assert shopper.app.get("/api/v1/cart").json["count"] == 0
    fetched = shopper.call("GET", f"/api/v1/orders/{order['number']}").json
    assert fetched == order


def test_idempotency_key_gives_the_same_order_twice(
    shopper, make_product, stock_of, engine
):
    product = make_product(stock=5)
    shopper.add(product, 1)
    before = orders_count(engine)
    first = shopper.checkout(key="checkout-attempt-0001")
    second = shopper.checkout(key="checkout-attempt-0001")
    assert first.json == second.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert orders_count(engine) == before + 1
    assert stock_of(product) == 4
    # The same key for a different checkout is refused.
    shopper.add(product, 1)
    other = checkout_body()
    other["email"] = "someone.else@example.com"
    problem = shopper.checkout(other, status=409, key="checkout-attempt-0001").json
    assert "Idempotency-Key" in problem["detail"]


def test_declined_card_keeps_the_cart_and_the_stock(
    shopper, make_product, stock_of, engine
):
    product = make_product(stock=2)
    shopper.add(product, 2)
    before = orders_count(engine)
    problem = shopper.checkout(checkout_body(DECLINED_CARD), status=402).json
    assert problem["status"] == 402 and "declined" in problem["detail"]
    assert orders_count(engine) == before
    assert stock_of(product) == 2
    assert shopper.app.get("/api/v1/cart").json["count"] == 2
    # And the same cart can still be paid for.
    shopper.checkout()
    assert stock_of(product) == 0


def test_sold_out_line_is_refused_and_nothing_changes(
    new_client, make_product, stock_of, engine
):
    scarce = make_product(stock=1, name="Last Robot")
    plenty = make_product(stock=50)
    first, second = Shopper(new_client()), Shopper(new_client())
    for shopper in (first, second):
        shopper.add(scarce, 1)
        shopper.add(plenty, 3)
    first.checkout()
    before = orders_count(engine)
    problem = second.checkout(status=409).json
    assert problem["lines"] == [
        {"product_id": scarce, "name": "Last Robot", "requested": 1, "available": 0}
    ]
    assert orders_count(engine) == before
    assert stock_of(scarce) == 0 and stock_of(plenty) == 47
    assert second.app.get("/api/v1/cart").json["count"] == 4
    # Adding more than the stock is refused up front too.
    problem = second.add(plenty, 48, status=409).json
    assert "47 left" in problem["detail"]


def test_orders_are_private_to_who_placed_them(new_client, make_product):
    owner, stranger = Shopper(new_client()), Shopper(new_client())
    owner.add(make_product(), 1)
    number = owner.checkout().json["number"]
    stranger.call("GET", f"/api/v1/orders/{number}", status=404)
    new_client().get(f"/orders/{number}", status=404)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"product_id": 1, "quantity": "abc"}, 422, "quantity"),
        ({"product_id": 1, "quantity": -1}, 422, "quantity"),
        ({"product_id": 1, "quantity": 0}, 422, "quantity"),
        ({"product_id": 1, "quantity": 10**9}, 422, "quantity"),
        ({"product_id": "x"}, 422, "product_id"),
        ({"quantity": 1}, 422, "product_id"),
        ({"product_id": 987654321}, 404, "product_id"),
        ({"product_id": 1, "price": "0.01"}, 422, "price"),
    ],
)
def test_bad_cart_input_names_the_field(shopper, body, status, field):
    problem = shopper.call("POST", "/api/v1/cart/items", body, status=status).json
    assert problem["status"] == status
    assert field in {e["field"] for e in problem.get("errors", [])} | {
        problem.get("field")
    }
    assert shopper.app.get("/api/v1/cart").json["count"] == 0


def test_malformed_wrong_type_and_oversized_bodies(shopper):
    headers = {"X-CSRF-Token": shopper.token}
    app = shopper.app
    problem = app.post(
        "/api/v1/cart/items",
        "{not json",
        headers=headers,
        content_type="application/json",
        status=400,
    ).json
    assert problem["field"] == "body"
    problem = app.post(
        "/api/v1/cart/items",
        "product_id=1",
        headers=headers,
        content_type="application/x-www-form-urlencoded",
        status=415,
    ).json
    assert problem["field"] == "Content-Type"
    big = json.dumps({"product_id": 1, "pad": "x" * 70_000})
    problem = app.post(
        "/api/v1/cart/items",
        big,
        headers=headers,
        content_type="application/json",
        status=413,
    ).json
    assert problem["field"] == "body"
    problem = shopper.call(
        "PATCH", "/api/v1/cart/items/abc", {"quantity": 1}, status=400
    ).json
    assert problem["field"] == "product_id"
    assert app.get("/api/v1/cart").json["count"] == 0


def test_bad_checkout_fields_are_all_named(shopper, make_product, stock_of):
    product = make_product(stock=4)
    shopper.add(product, 1)
    body = checkout_body({"card_number": "1234", "expiry": "13/99", "cvc": "x"})
    body["email"] = "not-an-email"
    body["address"]["country"] = "ZZ"
    problem = shopper.checkout(body, status=422).json
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {
        "email",
        "address.country",
        "payment.card_number",
        "payment.expiry",
        "payment.cvc",
    }
    problem = shopper.checkout({"email": "a@b.co"}, status=422).json
    assert {e["field"] for e in problem["errors"]} >= {"name", "address", "payment"}
    problem = shopper.checkout(key="bad key!", status=400).json
    assert problem["field"] == "Idempotency-Key"
    assert stock_of(product) == 4


def test_empty_cart_checkout_is_a_conflict(shopper):
    assert shopper.checkout(status=409).json["detail"] == "the cart is empty"


def test_state_changes_need_the_csrf_token(new_client, make_product):
    app = new_client()
    app.get("/api/v1/cart")
    product = make_product()
    problem = app.post_json(
        "/api/v1/cart/items", {"product_id": product}, status=403
    ).json
    assert problem["field"] == "csrf_token"
    app.post_json(
        "/api/v1/cart/items",
        {"product_id": product},
        status=403,
        headers={"X-CSRF-Token": "0" * 64},
    )
    assert app.get("/api/v1/cart").json["count"] == 0


def test_openapi_document_describes_the_api(testapp):
    document = testapp.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    for path in (
        "/api/v1/cart",
        "/api/v1/cart/items",
        "/api/v1/cart/items/{product_id}",
        "/api/v1/checkout",
        "/api/v1/orders/{number}",
    ):
        assert path in document["paths"]


def test_storefront_shows_the_stock_an_order_left(shopper, make_product, testapp):
    product = make_product(stock=6)
    page = testapp.get(f"/products/{product}")  # fills the object cache
    assert "In stock" in page.text
    shopper.add(product, 5)
    shopper.checkout()
    assert "Only 1 left" in testapp.get(f"/products/{product}").text


def test_a_running_sale_is_what_the_cart_and_the_order_charge(
    shopper, make_product, engine
):
    from datetime import timedelta

    from emporium.database import utcnow
    from emporium_catalog.models import Product

    on_sale = make_product(stock=5, price_minor=4000)
    ended = make_product(stock=5, price_minor=3000)
    with Session(engine) as session, session.begin():
        sale = session.get(Product, on_sale)
        sale.sale_price_minor = 2500
        sale.sale_starts_at = utcnow() - timedelta(hours=1)
        sale.sale_ends_at = utcnow() + timedelta(hours=1)
        old = session.get(Product, ended)
        old.sale_price_minor = 1000
        old.sale_ends_at = utcnow() - timedelta(minutes=1)
    shopper.add(on_sale, 2)
    cart = shopper.add(ended, 1).json
    prices = {item["product_id"]: item["unit_price"] for item in cart["items"]}
    assert prices == {on_sale: "25.00", ended: "30.00"}
    order = shopper.checkout().json
    assert order["subtotal"] == "80.00" and order["total"] == "80.00"
    assert {line["unit_price"] for line in order["lines"]} == {"25.00", "30.00"}
