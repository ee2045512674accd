"""The HTML journey: browse, add, cart, checkout, order page, history."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emporium_cart.models import Order

# Run on SQLite and on PostgreSQL.
DATABASES = ("sqlite", "postgresql")

CHECKOUT = {
    "email": "grace@example.com",
    "name": "Grace Hopper",
    "address.line1": "1 Compiler Way",
    "address.city": "Arlington",
    "address.postal_code": "22201",
    "address.country": "US",
    "payment.card_number": "4242 4242 4242 4242",
    "payment.expiry": "12/34",
    "payment.cvc": "123",
}


def form_for(page, action: str):
    """The page's form that posts to ``action`` (the header has a search form)."""
    return next(f for f in page.forms.values() if f.action == action)


def add_to_cart(app, product_id, quantity=1):
    """As a shopper without JavaScript: the cached product page's form has no
    token, so the first post gets a confirmation page that carries one."""
    form = form_for(app.get(f"/products/{product_id}"), "/cart/items")
    assert form["csrf_token"].value == ""
    form["quantity"] = str(quantity)
    confirm = form.submit(status=403)
    assert "Add to your cart?" in confirm.text
    return form_for(confirm, "/cart/items").submit(status=303).follow()


def checkout(app, **changes):
    form = form_for(app.get("/checkout"), "/checkout")
    for name, value in {**CHECKOUT, **changes}.items():
        form[name] = value
    return form


def directives(response) -> set[str]:
    return {d.strip() for d in response.headers["Cache-Control"].split(",")}


def orders_count(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Order))


def test_browse_add_checkout_order_page(new_client, make_product, stock_of):
    app = new_client()
    product = make_product(stock=5, price_minor=2500, name="Wooden Train")
    cart = add_to_cart(app, product, 2)
    assert "Wooden Train" in cart.text
    assert cart.html.select_one(".subtotal").text == "$50.00"
    assert "Added to your cart." in cart.text

    response = checkout(app).submit(status=303)
    order_page = response.follow()
    number = order_page.html.select_one(".order-number").text
    assert re.fullmatch(r"EM-[2-9A-Z]{8}", number)
    assert "Wooden Train" in order_page.text and "$50.00" in order_page.text
    assert directives(order_page) == {"private", "no-store"}
    assert stock_of(product) == 3
    assert "Your cart is empty" in app.get("/cart").text
    # Nobody else sees it.
    new_client().get(f"/orders/{number}", status=404)


def test_change_quantity_and_remove(new_client, make_product):
    app = new_client()
    product = make_product(stock=20, price_minor=1000)
    cart = add_to_cart(app, product, 1)
    form = next(
        f
        for f in cart.forms.values()
        if "quantity" in f.fields and "/cart/items/" in f.action
    )
    form["quantity"] = "4"
    cart = form.submit(status=303).follow()
    assert cart.html.select_one(".subtotal").text == "$40.00"
    remove = next(f for f in cart.forms.values() if "action" in f.fields)
    cart = remove.submit(status=303).follow()
    assert "Your cart is empty" in cart.text


def test_declined_card_keeps_the_cart(new_client, make_product, stock_of, engine):
    app = new_client()
    product = make_product(stock=3)
    add_to_cart(app, product, 1)
    before = orders_count(engine)
    page = checkout(app, **{"payment.card_number": "4000 0000 0000 0002"}).submit(
        status=402
    )
    assert "declined" in page.html.select_one(".form-error").text
    # What the shopper typed is kept, except the card number.
    assert form_for(page, "/checkout")["email"].value == "grace@example.com"
    assert orders_count(engine) == before
    assert stock_of(product) == 3
    assert "Your cart is empty" not in app.get("/cart").text


def test_sold_out_line_is_refused(new_client, make_product, stock_of, engine):
    product = make_product(stock=1, name="Last Kite")
    first, second = new_client(), new_client()
    add_to_cart(first, product)
    add_to_cart(second, product)
    checkout(first).submit(status=303)
    before = orders_count(engine)
    page = checkout(second).submit(status=409)
    assert "Last Kite (0 left)" in page.html.select_one(".form-error").text
    assert orders_count(engine) == before and stock_of(product) == 0
    assert "Sold out" in second.get("/cart").text


def test_form_errors_are_shown_next_to_the_fields(new_client, make_product, stock_of):
    app = new_client()
    product = make_product(stock=2)
    add_to_cart(app, product)
    page = checkout(
        app, email="nope", **{"address.postal_code": "", "payment.cvc": "1"}
    )
    page = page.submit(status=422)
    errors = {p["data-field"]: p.text for p in page.html.select(".field-error")}
    assert set(errors) == {"email", "address.postal_code", "payment.cvc"}
    assert errors["address.postal_code"] == "is required"
    assert stock_of(product) == 2


def test_double_submitted_checkout_gives_one_order(
    new_client, make_product, engine, stock_of
):
    app = new_client()
    product = make_product(stock=4)
    add_to_cart(app, product, 1)
    form = checkout(app)
    before = orders_count(engine)
    first = form.submit(status=303)
    second = form.submit(status=303)
    assert first.location == second.location
    assert orders_count(engine) == before + 1
    assert stock_of(product) == 3


def test_register_login_history_and_cart_follows(new_client, make_product):
    app = new_client()
    form = form_for(app.get("/account/register"), "/account/register")
    form["email"] = "Linus@Example.com"
    form["name"] = "Linus"
    form["password"] = "correct horse battery"
    form.submit(status=303)
    assert app.get("/checkout", status=303).location.endswith("/cart")  # empty cart
    product = make_product(stock=9)
    add_to_cart(app, product)
    number = (
        checkout(app).submit(status=303).follow().html.select_one(".order-number").text
    )
    history = app.get("/account/orders")
    assert number in history.text

    # Log out; shop anonymously; log in: the anonymous cart comes along.
    logout = form_for(history, "/account/logout")
    logout.submit(status=303)
    assert app.get("/account/orders", status=303).location.endswith(
        "/account/login?next=%2Faccount%2Forders"
    )
    add_to_cart(app, product, 2)
    login = form_for(app.get("/account/login"), "/account/login")
    login["email"] = "linus@example.com"
    login["password"] = "correct horse battery"
    login.submit(status=303)
    assert app.get("/api/v1/cart").json["count"] == 2
    assert number in app.get("/account/orders").text


def test_wrong_password_and_duplicate_email(new_client):
    app = new_client()
    form = form_for(app.get("/account/register"), "/account/register")
    form["email"] = "dup@example.com"
    form["password"] = "long enough password"
    form.submit(status=303)
    other = new_client()
    form = form_for(other.get("/account/register"), "/account/register")
    form["email"] = "DUP@example.com"
    form["password"] = "long enough password"
    # Answered as if it worked (no one learns which emails have accounts),
    # and nobody is signed in.
    form.submit(status=303)
    assert "already has an account" not in other.get("/account/login").text
    other.get("/account/orders", status=303)
    form = form_for(other.get("/account/login"), "/account/login")
    form["email"] = "dup@example.com"
    form["password"] = "wrong password!!"
    page = form.submit(status=400)
    assert "do not match" in page.text
    form = form_for(other.get("/account/register"), "/account/register")
    form["email"] = "short@example.com"
    form["password"] = "short"
    assert "at least 10" in form.submit(status=400).text


def test_header_fragment_is_private_and_cacheable_pages_are_not(
    new_client, make_product
):
    app = new_client()
    product = make_product()
    page = app.get(f"/products/{product}")
    assert "Set-Cookie" not in page.headers
    assert "data-cart-count" in page.text
    summary = app.get("/cart/summary")
    assert directives(summary) == {"private", "no-store"}
    assert summary.json["count"] == 0 and summary.json["csrf_token"]
    add_to_cart(app, product, 3)
    assert app.get("/cart/summary").json["count"] == 3
    # The product page itself still carries nothing of this shopper's.
    assert app.get(f"/products/{product}").text.count("data-cart-count></span>") == 1
