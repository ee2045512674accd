"""The cart's API calls issue a bounded number of SQL statements: reading a
cart, adding to it and paying for it do not grow with what the shopper did
before, and a shopper's session is written only when it changed."""

from __future__ import annotations

import re

from tests.functional.test_api_checkout import Shopper
from tests.functional.test_sql_counts import count_statements


def statements_of(engine, call) -> list[str]:
    with count_statements(engine) as statements:
        call()
    return statements


def writes(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if re.match(rf"(UPDATE|INSERT INTO) {table}\b", s)]


def touching(statements: list[str], table: str) -> list[str]:
    """The statements that read or write ``table`` itself."""
    return [s for s in statements if re.search(rf"\b(FROM|UPDATE|INTO) {table}\b", s)]


def test_adding_to_a_cart_leaves_a_stored_session_alone(
    new_client, make_product, engine
):
    """The first add stores the session with the cart; later adds do not
    write it again, which would also drop its cached copy."""
    first, second = make_product(stock=50), make_product(stock=50)
    shopper = Shopper(new_client())
    stored = statements_of(engine, lambda: shopper.add(first))
    again = statements_of(engine, lambda: shopper.add(second))
    assert len(writes(stored, "sessions")) == 1, stored
    assert writes(again, "sessions") == [], again


def test_cart_calls_issue_few_statements(new_client, make_product, engine):
    """Each call reads the cart (its lines with it) and its products once:
    a read is the cart and its products; an add the cart, its products and
    the one added, the new line and the cart's time."""
    first, second = make_product(stock=50), make_product(stock=50)
    shopper = Shopper(new_client())
    shopper.add(first)
    add = statements_of(engine, lambda: shopper.add(second))
    read = statements_of(engine, lambda: shopper.call("GET", "/api/v1/cart"))
    assert len(touching(add, "carts")) == 2, add  # read once, its time set
    assert len(touching(add, "products")) == 1, add
    # Besides the session's read, which its cache may spare.
    assert len(add) - len(touching(add, "sessions")) <= 4, add
    assert len(read) - len(touching(read, "sessions")) <= 2, read
