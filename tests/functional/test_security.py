"""What an attacker can and cannot do: forged sessions, missing CSRF tokens,
floods, tampered tokens, and a production start with development secrets."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import webtest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emporium.accounts.services import create_user
from emporium.cache.interfaces import IObjectCache
from emporium.config import configure
from emporium.database import utcnow
from emporium.errors import ConfigurationError
from emporium.interfaces import IPasswordHasher
from emporium.sessions.models import SessionRecord
from emporium.sessions.signing import SessionIdSigner
from emporium_cart.models import CartLine, Order
from tests.conftest import make_settings

COOKIE = "emporium_session"


def cookie_of(app) -> str:
    return app.cookies[COOKIE]


def with_cookie(wsgi_app, value: str) -> webtest.TestApp:
    app = webtest.TestApp(wsgi_app, extra_environ={"HTTP_HOST": "localhost:6543"})
    app.set_cookie(COOKIE, value)
    return app


@pytest.fixture
def victim(new_client, make_product):
    app = new_client()
    token = app.get("/api/v1/cart").json["csrf_token"]
    app.post_json(
        "/api/v1/cart/items",
        {"product_id": make_product(), "quantity": 3},
        headers={"X-CSRF-Token": token},
    )
    assert app.get("/api/v1/cart").json["count"] == 3
    return app


def _flip(text: str, index: int) -> str:
    alphabet = "0123456789abcdef" if re.fullmatch(r"[0-9a-f]", text[index]) else "AB"
    replacement = alphabet[1] if text[index] == alphabet[0] else alphabet[0]
    return text[:index] + replacement + text[index + 1 :]


def tampered_cookies(cookie: str) -> dict[str, str]:
    session_id, mac = cookie.rsplit(".", 1)
    other = SessionIdSigner([b"test-session-key-1"]).sign("x" * 43)
    return {
        "flipped id": f"{_flip(session_id, 5)}.{mac}",
        "flipped mac": f"{session_id}.{_flip(mac, 10)}",
        "truncated mac": f"{session_id}.{mac[:40]}",
        "truncated id": f"{session_id[:20]}.{mac}",
        "no mac": session_id,
        "another id's mac": f"{session_id}.{other.rsplit('.', 1)[1]}",
        "signed with an unknown key": SessionIdSigner([b"attacker"]).sign(session_id),
        "garbage": "';DROP TABLE sessions;--",
    }


def test_no_tampered_cookie_reaches_the_victims_cart(victim, wsgi_app):
    cookie = cookie_of(victim)
    for name, forged in tampered_cookies(cookie).items():
        attacker = with_cookie(wsgi_app, forged)
        response = attacker.get("/api/v1/cart")
        assert response.json["count"] == 0, name
        # A fresh anonymous session, never the victim's.
        new = attacker.cookies.get(COOKIE)
        assert new is None or new.rsplit(".", 1)[0] != cookie.rsplit(".", 1)[0], name
    # The genuine cookie still works.
    assert with_cookie(wsgi_app, cookie).get("/api/v1/cart").json["count"] == 3


def test_key_rotation(victim, app_settings):
    cookie = cookie_of(victim)
    # The old key still verifies while listed second; the cookie is re-signed.
    rotated = dict(
        app_settings, **{"emporium.session.secret": "new-key test-session-key-1"}
    )
    app = webtest.TestApp(configure(rotated).make_wsgi_app())
    app.set_cookie(COOKIE, cookie)
    assert app.get("/api/v1/cart").json["count"] == 3
    reissued = app.cookies[COOKIE]
    assert reissued.rsplit(".", 1)[0] == cookie.rsplit(".", 1)[0]
    assert reissued != cookie
    # Once the old key is dropped, cookies signed with it are worthless.
    dropped = dict(app_settings, **{"emporium.session.secret": "new-key"})
    app = webtest.TestApp(configure(dropped).make_wsgi_app())
    app.set_cookie(COOKIE, cookie)
    assert app.get("/api/v1/cart").json["count"] == 0


def test_a_cookie_past_the_absolute_timeout_is_refused_without_its_row(
    wsgi_app, make_product
):
    """A copy of a cookie does not live on once its session row is gone:
    the id's issue time, under the MAC, ends it."""
    signer = SessionIdSigner([b"test-session-key-1"])
    old = signer.sign(signer.new_id(now=time.time() - 31 * 86400))
    app = with_cookie(wsgi_app, old)
    token = app.get("/api/v1/cart").json["csrf_token"]
    app.post_json(
        "/api/v1/cart/items",
        {"product_id": make_product()},
        headers={"X-CSRF-Token": token},
    )
    assert cookie_of(app).split(".")[0] != old.split(".")[0]  # a new session
    assert with_cookie(wsgi_app, old).get("/api/v1/cart").json["count"] == 0
    # A recent one is the shopper's as before.
    recent = signer.sign(signer.new_id(now=time.time() - 86400))
    assert with_cookie(wsgi_app, recent).get("/api/v1/cart").status_code == 200
    assert "Set-Cookie" not in with_cookie(wsgi_app, recent).get("/").headers


def test_a_session_row_begins_when_its_id_was_issued(wsgi_app, engine, make_product):
    """A visitor who browsed for days before filling a cart: the row's
    absolute timeout runs from the cookie's first day, as the cookie's does."""
    signer = SessionIdSigner([b"test-session-key-1"])
    issued = time.time() - 10 * 86400
    session_id = signer.new_id(now=issued)
    app = with_cookie(wsgi_app, signer.sign(session_id))
    token = app.get("/api/v1/cart").json["csrf_token"]
    app.post_json(
        "/api/v1/cart/items",
        {"product_id": make_product()},
        headers={"X-CSRF-Token": token},
    )
    with Session(engine) as session:
        record = session.get(SessionRecord, session_id)
        assert abs(record.created_at.timestamp() - int(issued)) < 2


def test_an_aged_out_cookie_takes_its_row_and_cart_with_it(
    wsgi_app, engine, make_product
):
    from emporium_cart.models import Cart, CartLine

    signer = SessionIdSigner([b"test-session-key-1"])
    aged = signer.new_id(now=time.time() - 31 * 86400)
    with Session(engine) as session, session.begin():
        # Kept busy, so that only the id's age can end it.
        session.add(SessionRecord(id=aged, data={}, updated_at=utcnow()))
        cart = Cart(session_id=aged)
        cart.lines.append(CartLine(product_id=make_product(), quantity=1))
        session.add(cart)
    response = with_cookie(wsgi_app, signer.sign(aged)).get("/api/v1/cart")
    assert response.json["count"] == 0
    with Session(engine) as session:
        assert session.get(SessionRecord, aged) is None
        assert session.scalar(select(Cart).where(Cart.session_id == aged)) is None


def test_a_proxy_assigned_id_is_accepted(wsgi_app, make_product):
    """Varnish gives first-time visitors an id signed with the same MAC."""
    signer = SessionIdSigner([b"test-session-key-1"])
    assigned = signer.sign("V" * 43)
    app = with_cookie(wsgi_app, assigned)
    token = app.get("/api/v1/cart").json["csrf_token"]
    app.post_json(
        "/api/v1/cart/items",
        {"product_id": make_product()},
        headers={"X-CSRF-Token": token},
    )
    assert with_cookie(wsgi_app, assigned).get("/api/v1/cart").json["count"] == 1


def login(app, email, password, status=303):
    page = app.get("/account/login")
    form = next(f for f in page.forms.values() if f.action == "/account/login")
    form["email"] = email
    form["password"] = password
    return form.submit(status=status)


@pytest.fixture
def customer(engine, app_config):
    hasher = app_config.registry.getUtility(IPasswordHasher)
    with Session(engine) as session, session.begin():
        email = f"customer{time.time_ns()}@ex.com"
        create_user(session, hasher, email, "customer password 1")
    return email, "customer password 1"


def test_login_issues_a_new_id_and_logout_destroys_the_session(
    new_client, customer, engine, wsgi_app
):
    app = new_client()
    app.get("/api/v1/cart")
    before = cookie_of(app)
    login(app, *customer)
    after = cookie_of(app)
    assert before.rsplit(".", 1)[0] != after.rsplit(".", 1)[0]
    # The id known before login gives no access to the account.
    assert (
        "Log out"
        not in with_cookie(wsgi_app, before).get("/account/orders", status=303).text
    )
    assert "Your orders" in app.get("/account/orders").text
    form = next(
        f
        for f in app.get("/account/orders").forms.values()
        if f.action == "/account/logout"
    )
    form.submit(status=303)
    session_id = after.rsplit(".", 1)[0]
    with Session(engine) as session:
        assert session.get(SessionRecord, session_id) is None
    with_cookie(wsgi_app, after).get("/account/orders", status=303)


def test_idle_sessions_expire(victim, engine, wsgi_app, app_config):
    cookie = cookie_of(victim)
    session_id = cookie.rsplit(".", 1)[0]
    with Session(engine) as session, session.begin():
        record = session.get(SessionRecord, session_id)
        record.updated_at = utcnow() - timedelta(days=30)
    # Long before thirty days the cached copy would have expired too.
    app_config.registry.getUtility(IObjectCache).invalidate([f"session:{session_id}"])
    assert with_cookie(wsgi_app, cookie).get("/api/v1/cart").json["count"] == 0


# --- CSRF on every state-changing route, from the route table ----------------


def unsafe_views(registry):
    """(route pattern, method, view name) of every view answering an unsafe
    method, read from Pyramid's introspector: routes added later are covered."""
    routes = {
        r["name"]: r["pattern"]
        for r in (i for i in registry.introspector.get_category("routes"))
        for r in [r["introspectable"]]
    }
    found = set()
    for entry in registry.introspector.get_category("views"):
        view = entry["introspectable"]
        methods = view["request_methods"] or ()
        if isinstance(methods, str):
            methods = (methods,)
        for method in methods:
            if method in ("POST", "PUT", "PATCH", "DELETE") and view["route_name"]:
                found.add((routes[view["route_name"]], method))
    return sorted(found)


def concrete(pattern: str) -> str:
    return re.sub(r"\{[^}:]+(:[^}]*\})?\}?", "1", pattern).replace("}", "")


def row_counts(engine) -> dict:
    with Session(engine) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (CartLine, Order)
        }


def test_every_state_changing_route_refuses_a_missing_or_wrong_token(
    app_config, victim, engine
):
    views = unsafe_views(app_config.registry)
    assert ("/cart/items", "POST") in views and ("/api/v1/checkout", "POST") in views
    before = row_counts(engine)
    for pattern, method in views:
        path = concrete(pattern)
        for headers in ({}, {"X-CSRF-Token": "0" * 64}):
            response = victim.request(
                path,
                method=method,
                headers=headers,
                body=b"{}",
                content_type="application/json",
                expect_errors=True,
            )
            # 404: the route's context (an object named in the path) is absent.
            allowed = (403, 404) if "{" in pattern else (403,)
            if path == "/cart/items":
                allowed = (400, 403)  # the form's fields are checked first
            assert response.status_code in allowed, (method, path, response.status)
        form = victim.request(
            path, method=method, POST={"csrf_token": "forged"}, expect_errors=True
        )
        assert form.status_code in (400, 403, 404), (method, path)
    assert row_counts(engine) == before
    assert victim.get("/api/v1/cart").json["count"] == 3


# --- throttling ---------------------------------------------------------------


@pytest.fixture
def throttled_app(app_settings):
    settings = dict(
        app_settings,
        **{
            "emporium.throttle.enabled": "true",
            "emporium.throttle.pages": "5/minute",
            "emporium.throttle.api": "100/minute",
            "emporium.throttle.address_factor": "3",
        },
    )
    return configure(settings).make_wsgi_app()


def client(wsgi_app, address):
    return webtest.TestApp(
        wsgi_app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": address}
    )


def test_a_flooding_session_gets_429_and_others_do_not(throttled_app):
    flooder, neighbour = (
        client(throttled_app, "10.0.0.1"),
        client(throttled_app, "10.0.0.1"),
    )
    flooder.get("/api/v1/cart")
    neighbour.get("/api/v1/cart")
    for _ in range(5):
        flooder.get("/")
    refused = flooder.get("/", status=429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Too many requests" in refused.text
    # Same address, another session: unaffected.
    neighbour.get("/", status=200)
    client(throttled_app, "10.0.0.2").get("/", status=200)
    flooder.get("/health", status=200)


def test_dropping_the_cookie_meets_the_address_ceiling(throttled_app):
    statuses = [
        client(throttled_app, "10.0.0.9").get("/", expect_errors=True).status_code
        for _ in range(16)
    ]
    assert statuses[:15] == [200] * 15 and statuses[15] == 429
    assert client(throttled_app, "10.0.0.10").get("/").status_code == 200


def test_login_guessing_is_throttled_per_account(throttled_app, customer):
    email, _ = customer
    statuses = []
    for number in range(7):
        app = client(throttled_app, f"10.1.0.{number}")
        statuses.append(login(app, email, "wrong guess", status="*").status_code)
    assert statuses[:5] == [400] * 5 and statuses[5:] == [429, 429]


# --- headers, proxies ---------------------------------------------------------


def test_security_headers(testapp):
    response = testapp.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text), "inline script"
    assert " style=" not in response.text, "inline style"


def test_hsts_and_secure_cookies_only_behind_a_trusted_tls_proxy(app_settings):
    settings = dict(app_settings, **{"emporium.trusted_proxies": "127.0.0.1"})
    wsgi = configure(settings).make_wsgi_app()
    tls = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    trusted = webtest.TestApp(wsgi, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    response = trusted.get("/api/v1/cart", headers=tls)
    assert "max-age" in response.headers["Strict-Transport-Security"]
    assert "secure" in response.headers["Set-Cookie"].lower()
    assert "httponly" in response.headers["Set-Cookie"].lower()
    assert "samesite=lax" in response.headers["Set-Cookie"].lower()
    spoofed = webtest.TestApp(wsgi, extra_environ={"REMOTE_ADDR": "198.51.100.1"})
    response = spoofed.get("/api/v1/cart", headers=tls)
    assert "Strict-Transport-Security" not in response.headers
    assert "secure" not in response.headers["Set-Cookie"].lower()


# --- sealed tokens ------------------------------------------------------------


def test_order_link_works_without_the_session_and_refuses_tampering(
    new_client, make_product
):
    from tests.functional.test_html_checkout import add_to_cart, checkout

    app = new_client()
    add_to_cart(app, make_product())
    page = checkout(app).submit(status=303).follow()
    link = page.html.select_one("a.order-link")["href"]
    number = page.html.select_one(".order-number").text
    other = new_client()
    assert number in other.get(link).text
    key = link.split("key=", 1)[1]
    tampered = link.replace(key, key[:-6] + ("A" if key[-6] != "A" else "B") + key[-5:])
    assert other.get(tampered, status=400).html.select_one(".field code").text == "key"
    other.get(f"/orders/{number}?key=not-a-token", status=400)


def test_a_checkout_token_from_another_session_is_refused(new_client, make_product):
    from tests.functional.test_html_checkout import add_to_cart, checkout

    first, second = new_client(), new_client()
    add_to_cart(first, make_product())
    add_to_cart(second, make_product())
    stolen = checkout(first)["checkout_token"].value
    form = checkout(second)
    form["checkout_token"] = stolen
    assert "checkout_token" in form.submit(status=400).text


# --- production refuses development settings ---------------------------------


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"emporium.session.secret": ""}, "emporium.session.secret is missing"),
        (
            {
                "emporium.session.secret": "development-only-session-key-"
                "not-for-production"
            },
            "emporium.session.secret is a default",
        ),
        ({"emporium.session.secret": "short"}, "emporium.session.secret"),
        ({"pyramid.includes": "pyramid_debugtoolbar"}, "pyramid_debugtoolbar"),
        ({"pyramid.reload_templates": "true"}, "pyramid.reload_templates is on"),
    ],
)
def test_production_refuses_to_start(tmp_path, change, named):
    settings = make_settings(f"sqlite:///{tmp_path}/p.sqlite")
    settings.update(
        {
            "emporium.environment": "production",
            "emporium.session.secret": "x" * 40,
            "emporium.tokens.secret": "y" * 40,
        }
    )
    settings.update(change)
    with pytest.raises(ConfigurationError, match=re.escape(named)):
        configure(settings)


def test_a_bad_throttle_storage_is_named(tmp_path):
    settings = make_settings(f"sqlite:///{tmp_path}/t.sqlite")
    settings["emporium.throttle.storage"] = "memcache-ish://somewhere"
    with pytest.raises(ConfigurationError, match="emporium.throttle.storage"):
        configure(settings)


def test_production_warns_of_counters_kept_per_process(tmp_path, caplog):
    settings = make_settings(f"sqlite:///{tmp_path}/w.sqlite")
    settings.update(
        {
            "emporium.environment": "production",
            "emporium.session.secret": "x" * 40,
            "emporium.tokens.secret": "y" * 40,
            "emporium.throttle.enabled": "true",
            "emporium.throttle.storage": "memory://",
        }
    )
    configure(settings).registry["db.engine"].dispose()
    assert "throttle counters are kept per process" in caplog.text
    caplog.clear()
    settings["emporium.throttle.storage"] = "redis://127.0.0.1:1/0"
    configure(settings).registry["db.engine"].dispose()
    assert "throttle counters" not in caplog.text


def test_production_ini_refuses_to_start_without_secrets():
    import subprocess
    import sys

    from tests.conftest import ROOT

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pyramid.paster import get_app; get_app('production.ini')",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "emporium: cannot start: emporium.session.secret is missing" in result.stderr


# --- no 5xx from bad form input -------------------------------------------


text = st.text(max_size=300) | st.sampled_from(
    ["", "0", "-1", "1e9", "99999999999999999999", "<script>", "' OR 1=1 --", "\x00"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    path=st.sampled_from(
        [
            "/cart/items",
            "/cart/items/1",
            "/checkout",
            "/account/login",
            "/account/register",
        ]
    ),
    fields=st.dictionaries(
        st.sampled_from(
            [
                "product_id",
                "quantity",
                "action",
                "email",
                "name",
                "password",
                "address.line1",
                "address.country",
                "address.postal_code",
                "payment.card_number",
                "payment.expiry",
                "payment.cvc",
                "checkout_token",
                "next",
            ]
        ),
        text,
        max_size=8,
    ),
)
def test_bad_form_input_never_gives_a_5xx(shopper_form_client, path, fields):
    app, token = shopper_form_client
    fields = {k: v.replace("\x00", "") for k, v in fields.items()}
    response = app.post(path, {**fields, "csrf_token": token}, expect_errors=True)
    assert response.status_code < 500, (path, fields, response.status)


@pytest.fixture(scope="module")
def shopper_form_client(wsgi_app):
    app = webtest.TestApp(wsgi_app, extra_environ={"HTTP_HOST": "localhost:6543"})
    token = app.get("/api/v1/cart").json["csrf_token"]
    return app, token


def test_session_reads_come_from_the_object_cache(victim, engine):
    from tests.functional.test_sql_counts import count_statements

    victim.get("/cart/summary")
    with count_statements(engine) as statements:
        victim.get("/cart/summary")
    assert not [s for s in statements if "FROM sessions" in s], statements


def test_searches_have_their_own_budget(app_settings):
    settings = dict(
        app_settings,
        **{
            "emporium.throttle.enabled": "true",
            "emporium.throttle.search": "3/minute",
            "emporium.throttle.pages": "100/minute",
        },
    )
    app = client(configure(settings).make_wsgi_app(), "10.2.0.1")
    app.get("/api/v1/cart")
    statuses = [
        app.get("/search", {"q": "castle"}, expect_errors=True).status_code
        for _ in range(4)
    ]
    assert statuses[3] == 429 and 429 not in statuses[:3]
    assert app.get("/").status_code == 200
