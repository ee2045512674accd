"""Checkout under contention, against a real app server process: fifty
shoppers race for the last unit; one shopper's checkout is sent ten times at
once. On SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.orm import Session

from emporium_cart.models import Order, OrderLine
from emporium_catalog.models import Product
from tests.conftest import build_database, fresh_database, make_settings
from tests.integration.appserver import Client, app_server

DATABASES = ("sqlite", "postgresql")
SHOPPERS = 50

BODY = {
    "email": "race@example.com",
    "name": "Racing Shopper",
    "address": {
        "line1": "1 Fast Lane",
        "city": "Leeds",
        "postal_code": "LS1 1AA",
        "country": "GB",
    },
    "payment": {"card_number": "4242424242424242", "expiry": "12/34", "cvc": "123"},
}


@pytest.fixture(scope="module")
def server(request, database_backend, tmp_path_factory):
    url = fresh_database(request, database_backend, tmp_path_factory)
    settings = make_settings(url)
    build_database(settings, products=0)
    engine = create_engine(url)
    with app_server(settings, tmp_path_factory.mktemp("app")) as port:
        yield port, engine
    engine.dispose()


def new_product(engine, product_id: int, stock: int) -> int:
    with Session(engine) as session, session.begin():
        session.execute(
            insert(Product),
            [
                {
                    "id": product_id,
                    "sku": f"RACE-{product_id}",
                    "section": "store",
                    "name": f"Race item {product_id}",
                    "description": "",
                    "image_url": "",
                    "price_minor": 1000,
                    "currency": "USD",
                    "stock": stock,
                    "best_seller_rank": 1,
                }
            ],
        )
    return product_id


def orders_of(engine, product_id: int) -> int:
    with Session(engine) as session:
        return session.scalar(
            select(func.count(func.distinct(OrderLine.order_id))).where(
                OrderLine.product_id == product_id
            )
        )


def stock(engine, product_id: int) -> int:
    with Session(engine) as session:
        return session.get(Product, product_id).stock


def at_once(calls: list) -> list:
    """Run ``calls`` (functions of no argument) on as many threads, released
    together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_fifty_shoppers_one_last_unit(server):
    port, engine = server
    product = new_product(engine, 1, stock=1)
    shoppers = [Client(port) for _ in range(SHOPPERS)]
    for shopper in shoppers:
        shopper.start()
        status, body = shopper.request(
            "POST", "/api/v1/cart/items", {"product_id": product, "quantity": 1}
        )
        assert status == 201, body
    results = at_once(
        [lambda s=s: s.request("POST", "/api/v1/checkout", BODY) for s in shoppers]
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (SHOPPERS - 1), statuses
    assert orders_of(engine, product) == 1
    assert stock(engine, product) == 0
    refused = [body for status, body in results if status == 409]
    assert all(body["lines"][0]["available"] == 0 for body in refused)


def test_one_checkout_sent_ten_times_at_once(server):
    port, engine = server
    product = new_product(engine, 2, stock=5)
    shopper = Client(port)
    shopper.start()
    shopper.request(
        "POST", "/api/v1/cart/items", {"product_id": product, "quantity": 2}
    )
    key = {"Idempotency-Key": "double-submit-1"}
    results = at_once(
        [lambda: shopper.request("POST", "/api/v1/checkout", BODY, headers=key)] * 10
    )
    assert {status for status, _ in results} == {201}, results
    assert len({body["number"] for _, body in results}) == 1
    assert orders_of(engine, product) == 1
    assert stock(engine, product) == 3
    with Session(engine) as session:
        order = session.scalar(
            select(Order).where(Order.number == results[0][1]["number"])
        )
        assert order.total_minor == 2000 + 499


def test_one_cart_checked_out_twice_at_once_without_a_key(server):
    port, engine = server
    product = new_product(engine, 3, stock=10)
    shopper = Client(port)
    shopper.start()
    shopper.request(
        "POST", "/api/v1/cart/items", {"product_id": product, "quantity": 1}
    )
    results = at_once([lambda: shopper.request("POST", "/api/v1/checkout", BODY)] * 5)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 409, 409, 409, 409], results
    assert orders_of(engine, product) == 1
    assert stock(engine, product) == 9


def test_a_double_click_on_add_to_cart_adds_twice(server):
    port, engine = server
    product = new_product(engine, 4, stock=10)
    shopper = Client(port)
    shopper.start()
    item = {"product_id": product, "quantity": 1}
    results = at_once([lambda: shopper.request("POST", "/api/v1/cart/items", item)] * 2)
    assert [status for status, _ in results] == [201, 201], results
    assert shopper.request("GET", "/api/v1/cart")[1]["count"] == 2
