"""The cart's API calls issue a bounded number of SQL statements: reading a
cart, adding to it and paying for it do not grow with what the shopper did
before, and a shopper's session is written only when it changed."""

from __future__ import annotations

from tests.functional.test_api_checkout import Shopper
from tests.functional.test_sql_counts import count_statements


def statements_of(engine, call) -> list[str]:
    with count_statements(engine) as statements:
        call()
    return statements


def touching(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if f" {table} " in f" {s.split(chr(10))[0]} "]


def test_adding_to_a_cart_leaves_a_stored_session_alone(
    new_client, make_product, engine
):
    """The first add stores the session with the cart; later ones neither
    write it again nor make the next request read it from the database."""
    first, second = make_product(stock=50), make_product(stock=50)
    shopper = Shopper(new_client())
    shopper.add(first)
    add = statements_of(engine, lambda: shopper.add(second))
    read = statements_of(engine, lambda: shopper.call("GET", "/api/v1/cart"))
    assert touching(add, "sessions") == [], add
    assert touching(read, "sessions") == [], read
