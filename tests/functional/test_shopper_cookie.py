"""The header's cart count, greeting and CSRF token come from cookies the app
sets when they change (``emporium_shopper``, ``emporium_csrf``), so a cached
page view needs no request of its own; the CSRF check is the same as ever."""

from __future__ import annotations

from urllib.parse import unquote

from tests.functional.test_api_checkout import checkout_body
from tests.functional.test_html_checkout import form_for


def cookie(app, name: str) -> str | None:
    return app.cookies.get(name)


def shown(app) -> tuple[int, str | None]:
    """What cart.js shows: the count and the first name in the cookie."""
    value = cookie(app, "emporium_shopper")
    if value is None:
        return 0, None
    count, _issued, name = value.strip('"').split(".", 2)
    return int(count), unquote(name) or None


def add_with_the_cookie_token(app, product_id: int, quantity: int = 1):
    """As cart.js does: the cached page's form, its token from the cookie."""
    form = form_for(app.get(f"/products/{product_id}"), "/cart/items")
    form["csrf_token"] = cookie(app, "emporium_csrf")
    form["quantity"] = str(quantity)
    return form.submit(status=303)


def test_the_summary_gives_the_token_in_a_cookie_scripts_can_read(
    new_client, make_product
):
    app = new_client()
    page = app.get(f"/products/{make_product()}")
    assert "Set-Cookie" not in page.headers  # cacheable pages set nothing
    summary = app.get("/cart/summary")
    assert summary.json["count"] == 0 and summary.json["greeting"] is None
    assert cookie(app, "emporium_csrf") == summary.json["csrf_token"]
    token_cookie = next(
        v for v in summary.headers.getall("Set-Cookie") if "emporium_csrf=" in v
    )
    assert "httponly" not in token_cookie.lower() and "SameSite=Lax" in token_cookie
    assert "private" in summary.headers["Cache-Control"]
    # Nothing to show, nothing set.
    assert cookie(app, "emporium_shopper") is None


def test_the_count_follows_adds_changes_removals_and_checkout(new_client, make_product):
    app = new_client()
    first, second = make_product(stock=9), make_product(stock=9)
    app.get("/cart/summary")
    added = add_with_the_cookie_token(app, first, 2)
    assert "emporium_shopper=" in " ".join(added.headers.getall("Set-Cookie"))
    assert shown(app) == (2, None)

    token = {"X-CSRF-Token": cookie(app, "emporium_csrf")}
    app.post_json("/api/v1/cart/items", {"product_id": second}, headers=token)
    assert shown(app) == (3, None)
    app.patch_json(f"/api/v1/cart/items/{second}", {"quantity": 4}, headers=token)
    assert shown(app) == (6, None)
    app.delete(f"/api/v1/cart/items/{first}", headers=token)
    assert shown(app) == (4, None)
    # A change refused changes nothing, the cookie neither.
    before = cookie(app, "emporium_shopper")
    app.post_json(
        "/api/v1/cart/items",
        {"product_id": first, "quantity": 50},
        headers=token,
        status=409,
    )
    assert cookie(app, "emporium_shopper") == before

    app.post_json(
        "/api/v1/checkout",
        checkout_body(),
        headers={**token, "Idempotency-Key": "shopper-cookie-1"},
        status=201,
    )
    assert shown(app) == (0, None)
    assert app.get("/cart/summary").json["count"] == 0


def test_login_and_logout_set_the_greeting_and_a_new_token(new_client, make_product):
    app = new_client()
    product = make_product(stock=9)
    form = form_for(app.get("/account/register"), "/account/register")
    form["email"] = "grace@example.com"
    form["name"] = "Grace Hopper"
    form["password"] = "long enough password"
    form.submit(status=303)
    assert shown(app) == (0, "Grace")
    add_with_the_cookie_token(app, product, 1)
    assert shown(app) == (1, "Grace")
    assert app.get("/cart/summary").json["greeting"] == "Hello, Grace"

    before = cookie(app, "emporium_csrf")
    logout = form_for(app.get("/account/orders"), "/account/logout")
    logout.submit(status=303)
    assert shown(app) == (0, None)
    assert cookie(app, "emporium_csrf") != before

    login = form_for(app.get("/account/login"), "/account/login")
    login["email"] = "grace@example.com"
    login["password"] = "long enough password"
    login.submit(status=303)
    assert shown(app) == (1, "Grace")
    # The new session's token, from the cookie, is the one that works.
    assert cookie(app, "emporium_csrf") == app.get("/api/v1/cart").json["csrf_token"]


def test_a_token_from_another_session_is_refused(new_client, make_product):
    product = make_product(stock=9)
    alice, mallory = new_client(), new_client()
    alice.get("/cart/summary")
    mallory.get("/cart/summary")
    stolen = cookie(mallory, "emporium_csrf")
    assert stolen and stolen != cookie(alice, "emporium_csrf")
    alice.post_json(
        "/api/v1/cart/items",
        {"product_id": product},
        headers={"X-CSRF-Token": stolen},
        status=403,
    )
    # Planting it in Alice's cookie jar changes nothing: the token is checked
    # against her session, not against the cookie.
    alice.set_cookie("emporium_csrf", stolen)
    alice.post_json(
        "/api/v1/cart/items",
        {"product_id": product},
        headers={"X-CSRF-Token": stolen},
        status=403,
    )
    assert alice.get("/cart/summary").json["count"] == 0
