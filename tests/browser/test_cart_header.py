"""The header's cart count, greeting and the add-to-cart form's token, filled
in by cart.js from cookies: right after every change, and without a request
to the app for each page view."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium_catalog.models import Product


def products_in_stock(registry, count: int) -> list[int]:
    with Session(registry["db.engine"]) as dbsession:
        return list(
            dbsession.scalars(
                select(Product.id)
                .where(Product.section == "store", Product.stock > 20)
                .order_by(Product.id)
                .limit(count)
            )
        )


def test_the_header_follows_the_cart_without_asking_the_app(store, context):
    base, _, registry = store
    first, second, third = products_in_stock(registry, 3)
    asked: list[str] = []
    context.on("request", lambda request: asked.append(request.url.removeprefix(base)))
    page = context.new_page()

    page.goto(f"{base}/products/{first}")
    # Without Varnish in front, the first visit has no token cookie: cart.js
    # asks once, and the answer sets the cookies.
    token = page.locator(".buy-form input[name=csrf_token]")
    page.wait_for_function(
        "document.querySelector('.buy-form input[name=csrf_token]').value !== ''"
    )
    assert asked.count("/cart/summary") == 1
    page.locator(".buy-form input[name=quantity]").fill("2")
    page.locator(".buy-form button[type=submit]").click()
    page.wait_for_url(f"{base}/cart")
    assert page.locator("[data-cart-count]").inner_text() == "(2)"

    asked.clear()
    page.goto(f"{base}/products/{second}")
    page.wait_for_function(
        "document.querySelector('.buy-form input[name=csrf_token]').value !== ''"
    )
    assert page.locator("[data-cart-count]").inner_text() == "(2)"
    page.locator(".buy-form button[type=submit]").click()
    page.wait_for_url(f"{base}/cart")
    assert page.locator("[data-cart-count]").inner_text() == "(3)"

    page.goto(f"{base}/products/{third}")
    assert token.input_value() != ""
    assert page.locator("[data-cart-count]").inner_text() == "(3)"
    # Browsing asked the app for pages and nothing else.
    assert "/cart/summary" not in asked, asked

    page.goto(f"{base}/cart")
    page.locator("form:has(input[value=remove]) button").first.click()
    page.wait_for_url(f"{base}/cart")
    page.goto(f"{base}/products/{third}")
    assert page.locator("[data-cart-count]").inner_text() == "(1)"
    assert "/cart/summary" not in asked, asked
