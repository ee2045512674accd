"""Logging in under attack: the failed-login budget refuses a guesser before
the password is checked, whatever the spelling of the email, the lockout is
audited and ends with its window; and a ``next`` that cannot be a local path
(control characters, characters a header cannot carry) never reaches
``Location`` nor stops a correct login."""

from __future__ import annotations

import itertools
import time
from urllib.parse import urlencode

import pytest
import webtest
from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium.accounts.services import create_user
from emporium.audit import AuditEntry
from emporium.config import configure
from emporium.interfaces import IPasswordHasher

PASSWORD = "a correct password"
WINDOW = 2  # seconds: the budget's window in these tests
_emails = itertools.count(1)
_addresses = itertools.count(1)

FORMS = {
    "store": ("/account/login", "/account/orders"),
    "console": ("/admin/login", "/admin/"),
}


@pytest.fixture(scope="module")
def limited_app(app_settings):
    settings = dict(
        app_settings,
        **{
            "emporium.throttle.enabled": "true",
            "emporium.throttle.login": "1000/minute",
            "emporium.throttle.pages": "1000/minute",
            "emporium.throttle.admin": "1000/minute",
            "emporium.throttle.login_failures": f"3/{WINDOW}seconds",
        },
    )
    return configure(settings).make_wsgi_app()


@pytest.fixture
def account(engine, app_config):
    email = f"Guarded{next(_emails)}-{time.time_ns()}@Example.com".lower()
    hasher = app_config.registry.getUtility(IPasswordHasher)
    with Session(engine) as session, session.begin():
        create_user(session, hasher, email, PASSWORD, roles="customer administrator")
    return email


def addresses(count: int) -> list[str]:
    """Addresses no other test used: the budget outlives a test."""
    return [f"10.3.{next(_addresses)}.1" for _ in range(count)]


def browser(wsgi_app, address: str) -> webtest.TestApp:
    return webtest.TestApp(
        wsgi_app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": address}
    )


def attempt(app, where: str, email: str, password: str, query: str = ""):
    path, _ = FORMS[where]
    page = app.get(path + query)
    form = next(f for f in page.forms.values() if f.action.startswith(path))
    form["email"] = email
    form["password"] = password
    return form.submit(status="*")


@pytest.mark.parametrize("where", FORMS)
def test_a_correct_password_is_refused_while_the_account_is_over_budget(
    limited_app, account, engine, where
):
    first, second, third, fourth = addresses(4)
    guesser = browser(limited_app, first)
    statuses = [attempt(guesser, where, account, "wrong").status_code for _ in range(3)]
    assert statuses == [400, 400, 400]
    # Over budget: refused before the password is looked at, right or wrong,
    # from the guesser's address and from any other, however the email is
    # spelled.
    for address, spelling in [
        (first, account),
        (second, f"  {account.upper()} "),
        (third, account.title()),
    ]:
        refused = attempt(browser(limited_app, address), where, spelling, PASSWORD)
        assert refused.status_code == 429, (address, spelling)
        assert 1 <= int(refused.headers["Retry-After"]) <= WINDOW
        assert "Too many failed logins" in refused.text
    with Session(engine) as session:
        audited = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "login.locked", AuditEntry.target == account
            )
        ).all()
    assert len(audited) == 1, "one entry for one lockout"
    time.sleep(WINDOW + 0.2)
    # The window over, the owner logs in from elsewhere.
    owner = browser(limited_app, fourth)
    assert attempt(owner, where, account, PASSWORD).status_code == 303


def test_an_address_over_budget_is_refused_for_every_account(
    limited_app, account, engine
):
    first, second = addresses(2)
    guesser = browser(limited_app, first)
    for number in range(3):
        response = attempt(guesser, "store", f"nobody{number}@example.com", "wrong")
        assert response.status_code == 400
    assert attempt(guesser, "store", account, PASSWORD).status_code == 429
    # Another address is not affected.
    other = attempt(browser(limited_app, second), "store", account, PASSWORD)
    assert other.status_code == 303


@pytest.mark.parametrize("where", FORMS)
@pytest.mark.parametrize(
    "next_",
    ["\r\nSet-Cookie: x=1", "\nX: y", "\x0b", "\u2028", "é", "\u6f22\u5b57"],
    ids=["crlf", "lf", "vt", "line-separator", "latin-1", "cjk"],
)
def test_a_next_that_cannot_be_a_header_is_refused_and_the_login_works(
    testapp, account, where, next_
):
    path, default = FORMS[where]
    prefix = "/admin/" if where == "console" else "/"
    query = "?" + urlencode({"next": prefix + "x" + next_})
    response = attempt(testapp, where, account, PASSWORD, query)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.endswith(default)
    assert not any(ord(c) < 0x20 or ord(c) > 0x7E for c in location)


@pytest.mark.parametrize("where", FORMS)
def test_a_next_holding_a_nul_is_a_bad_request_naming_it(testapp, where):
    # A NUL in any query value is refused before a view reads it (PostgreSQL
    # cannot store one), the login form's next included.
    path, _ = FORMS[where]
    prefix = "/admin/" if where == "console" else "/"
    query = urlencode({"next": prefix + "x\x00"})
    response = testapp.get(f"{path}?{query}", status=400)
    assert "next" in response.text


@pytest.mark.parametrize("where", FORMS)
def test_a_plain_local_next_is_still_followed(testapp, account, where):
    prefix = "/admin/products" if where == "console" else "/cart"
    response = attempt(testapp, where, account, PASSWORD, f"?next={prefix}")
    assert response.headers["Location"].endswith(prefix)
