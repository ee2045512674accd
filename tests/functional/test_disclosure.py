"""What the store tells whom: /health's details (index path, cache
counters) only to the addresses that may scrape /metrics, asking directly;
to anyone else its status alone, which is all the proxies' health checks
read. Registration answers the same whether or not the email has an account;
the owner hears of the attempt from the audit log. A sealed order link
ends after its lifetime."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium.accounts.services import create_user
from emporium.audit import AuditEntry
from emporium.config import configure
from emporium.interfaces import IPasswordHasher, ITokenSealer

INSIDE = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.mark.parametrize(
    ("environ", "headers"),
    [
        ({"REMOTE_ADDR": "203.0.113.9"}, {}),
        (INSIDE, {"X-Forwarded-For": "203.0.113.9"}),
        ({}, {}),
    ],
    ids=["outside", "forwarded", "no-address"],
)
def test_health_shows_others_its_status_alone(testapp, environ, headers):
    response = testapp.get("/health", extra_environ=environ, headers=headers)
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_shows_its_details_to_a_scraper(testapp):
    body = testapp.get("/health", extra_environ=INSIDE).json
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert "cache" in body["checks"]


def register(app, email: str):
    page = app.get("/account/register")
    form = next(f for f in page.forms.values() if f.action == "/account/register")
    form["email"] = email
    form["password"] = "a long enough password"
    form["name"] = "Someone"
    return form.submit(status="*")


def test_registration_answers_alike_for_a_known_email(new_client, engine, app_config):
    email = f"known{time.time_ns()}@example.com"
    hasher = app_config.registry.getUtility(IPasswordHasher)
    with Session(engine) as session, session.begin():
        create_user(session, hasher, email, "the owner's password")
    fresh = register(new_client(), f"fresh{time.time_ns()}@example.com")
    known = register(new_client(), email.upper())
    assert fresh.status_code == known.status_code == 303
    assert fresh.headers["Location"] == known.headers["Location"]
    # The newcomer is signed in; whoever typed a known email is not, and is
    # not told why.
    assert "Your orders" in fresh.follow().text
    sent_to_login = known.follow(status=303).follow()
    assert "already" not in sent_to_login.text and "Log in" in sent_to_login.text
    with Session(engine) as session:
        audited = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "account.register_taken",
                AuditEntry.target == email,
            )
        ).all()
    assert len(audited) == 1


def test_a_sealed_order_link_ends_after_its_lifetime(app_settings, make_product):
    import webtest

    from tests.functional.test_html_checkout import add_to_cart, checkout

    settings = dict(app_settings, **{"emporium.orders.link_days": "1"})
    wsgi = configure(settings).make_wsgi_app()

    def browser():
        return webtest.TestApp(wsgi, extra_environ={"HTTP_HOST": "localhost:6543"})

    shopper = browser()
    add_to_cart(shopper, make_product())
    page = checkout(shopper).submit(status=303).follow()
    link = page.html.select_one("a.order-link")["href"]
    number = page.html.select_one(".order-number").text
    assert number in browser().get(link).text
    # The same link, sealed two days ago.
    sealer = wsgi.registry.getUtility(ITokenSealer)
    key = link.split("key=", 1)[1]
    payload = sealer.open("order", key, "key")
    old = sealer._fernet.encrypt_at_time(
        json.dumps({"p": "order", "d": payload}, separators=(",", ":")).encode(),
        int(time.time()) - 2 * 86400,
    ).decode()
    refused = browser().get(f"/orders/{number}?key={old}", status=400)
    assert refused.html.select_one(".field code").text == "key"
