"""Every route, from Pyramid's introspector (as the CSRF test does, so a
route added later is covered), sent the inputs an attacker's scanner sends:
invalid UTF-8 in the path and the query string, numbers past any integer,
JSON nested past reason, keys longer than any store takes, control
characters, absurd headers. None may answer 5xx.

Anonymous shoppers and a logged-in administrator, each with a valid session
and CSRF token, so that a state-changing route reads its body instead of
stopping at the token check. Fixed inputs, no randomness: the same requests
every run, in a few seconds."""

from __future__ import annotations

import json
import re

import pytest
import webtest
from sqlalchemy.orm import Session

from emporium.accounts.services import create_user
from emporium.config import configure
from emporium.interfaces import IPasswordHasher
from tests.functional.raw import call
from tests.unit.emporium.search import catalog

PASSWORD = "administrator password 1"
HUGE = "99999999999999999999999999"
PLACEHOLDER = re.compile(r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")

# Path segments as on the wire (percent-encoded bytes).
SEGMENTS = [
    "1",
    "%ff%fe",
    HUGE,
    "1e999",
    "a" * 600,
    "%00",
    "%0d%0a%0b%e2%80%ae",
]
QUERIES = [
    "q=%ff%fe&next=%ff&page=%80&%ff=1",
    # Alone, so that no other value is refused first: PostgreSQL refuses NUL.
    "q=a%00b",
    "&".join(
        [
            "q=" + "a" * 5000,
            f"page={HUGE}",
            "page=-1",
            "per_page=1e999",
            f"after={HUGE}.1",
            f"after=1.{HUGE}",
            "sort=%0d%0a",
            "section=%00",
            "next=/%0d%0aSet-Cookie:x=1",
            "next=/%0b%00",
            f"edit={HUGE}",
            "id=NaN",
            "key=" + "A" * 3000,
            "q=%e2%80%ae%00%01",
            "min_price=-1e308",
            "max_price=1e309",
        ]
    ),
]
ABSURD_HEADERS = {
    "If-Modified-Since": "Sat, 01 Jan 99999 00:00:00 GMT",
    "If-Unmodified-Since": "Mon, 99 Foo 2020 99:99:99 GMT",
    "If-None-Match": '"' + "x" * 5000 + '"',
    "If-Range": "Sat, 01 Jan 99999 00:00:00 GMT",
    "Range": f"bytes={HUGE}-",
    "Accept": "\xff\xfe/\x0b",
    "Accept-Language": "\xff" * 200,
    "Accept-Encoding": "x" * 3000,
    "User-Agent": "\x0b\x00" + "u" * 5000,
    "X-Forwarded-For": "1.2.3.4, not-an-address, ::::, " + "9" * 300,
    "X-Forwarded-Proto": "javascript",
    "X-Request-Id": "\xe9" * 300,
    "Idempotency-Key": "k" * 5000,
    "Content-Type": "application/json; charset=\xff",
}


def bodies(token: str) -> list[tuple[str, bytes]]:
    nasty = {
        "product_id": 1e400,
        "quantity": int(HUGE),
        "email": "\x00\r\n@\u202e",
        "name": "a" * 10_000,
        "address": {"line1": ["x"] * 100, "country": {"a" * 5000: None}},
        "payment": {"card_number": HUGE, "expiry": "99/99999", "cvc": -1},
        "a" * 5000: "overlong key",
    }
    form = "&".join(
        [
            f"csrf_token={token}",
            f"product_id={HUGE}",
            "quantity=-1",
            "next=/%0d%0aX:%0by",
            "email=%e2%80%ae%01",
            "name=" + "b" * 10_000,
            f"price={HUGE}.99",
            "stock=1e999",
            f"id={HUGE}",
            "slug=" + "c" * 600,
            "category_id=NaN",
        ]
    )
    return [
        ("application/json", b"[" * 30_000),
        ("application/json", json.dumps(nasty).encode()),
        ("application/json", b"\xff\xfe{}"),
        ("application/x-www-form-urlencoded", form.encode()),
        (
            "application/x-www-form-urlencoded",
            f"csrf_token={token}&product_id=%ff%fe&name=%c3%28".encode(),
        ),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: fo"),
    ]


def route_methods(registry) -> list[tuple[str, str]]:
    """(pattern, method) of every route's views; a view for any method is
    sent GET and POST."""
    routes = {
        entry["introspectable"]["name"]: entry["introspectable"]["pattern"]
        for entry in registry.introspector.get_category("routes")
    }
    found = set()
    for entry in registry.introspector.get_category("views"):
        view = entry["introspectable"]
        if not view["route_name"]:
            continue
        methods = view["request_methods"] or ("GET", "POST")
        if isinstance(methods, str):
            methods = (methods,)
        for method in methods:
            found.add((routes[view["route_name"]], method))
    return sorted(found)


def paths(pattern: str) -> list[str]:
    """The pattern with each nasty segment in its placeholders (and in a
    static view's ``*subpath``)."""
    pattern = "/" + pattern.lstrip("/")
    if not PLACEHOLDER.search(pattern) and "*" not in pattern:
        return [pattern]
    return [
        re.sub(r"\*\w+", segment, PLACEHOLDER.sub(segment, pattern))
        for segment in SEGMENTS
    ]


def cookie_of(app: webtest.TestApp) -> str:
    return "; ".join(f"{name}={value}" for name, value in app.cookies.items())


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    yield from fuzzed_store(catalog.build(tmp_path_factory.mktemp("fuzz-routes")))


def fuzzed_store(settings: dict):
    """The app over a small indexed catalog (``settings`` from
    ``catalog.build``), a shopper and an administrator (each as cookie
    header and CSRF token)."""
    config = configure(dict(settings))
    config.commit()
    registry = config.registry
    with Session(registry["db.engine"]) as session, session.begin():
        hasher = registry.getUtility(IPasswordHasher)
        create_user(
            session, hasher, "root@example.com", PASSWORD, roles="administrator"
        )
    app = config.make_wsgi_app()
    shopper = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost:6543"})
    shopper_token = shopper.get("/api/v1/cart").json["csrf_token"]
    admin = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost:6543"})
    form = admin.get("/admin/login").forms[0]
    form["email"], form["password"] = "root@example.com", PASSWORD
    assert form.submit().status_int == 303
    admin_token = admin.get("/api/v1/cart").json["csrf_token"]
    yield {
        "app": app,
        "registry": registry,
        "shopper": (cookie_of(shopper), shopper_token),
        "admin": (cookie_of(admin), admin_token),
    }
    registry["db.engine"].dispose()


def requests_for(pattern: str, method: str, cookie: str, token: str, first: bool):
    """(method, path, query, headers, body) of each nasty request; the path
    variants go with a route's ``first`` method only, queries and headers
    with reading methods, bodies with writing ones."""
    session = {"Cookie": cookie, "X-CSRF-Token": token}
    unsafe = method in ("POST", "PUT", "PATCH", "DELETE")
    variants = paths(pattern)
    if first:
        for path in variants[1:]:
            yield method, path, "", session, b""
    path = variants[0]
    if unsafe:
        yield method, path, QUERIES[0], session, b""
        for content_type, body in bodies(token):
            yield method, path, "", {**session, "Content-Type": content_type}, body
        return
    for query in QUERIES:
        yield method, path, query, session, b""
    yield method, path, "", {**ABSURD_HEADERS, "Cookie": cookie}, b""
    garbage = {"Cookie": "emporium_session=\xe9" + "x" * 4000 + "; a=\x0b;;=;"}
    yield method, path, "", {**garbage, "X-CSRF-Token": "\xe9\x00"}, b""


def test_no_route_answers_a_nasty_request_with_a_5xx(store):
    routes = route_methods(store["registry"])
    patterns = {pattern for pattern, _ in routes}
    # The table is read, not listed here: these stand for the rest.
    assert {"/categories/{slug}", "/api/v1/cart/items", "/admin/import"} <= patterns
    failures = []
    count = 0
    seen = set()
    for pattern, method in routes:
        if pattern.startswith(("/admin/logout", "/account/logout")):
            continue  # would end the sessions the other requests use
        who = "admin" if pattern.startswith("/admin") else "shopper"
        cookie, token = store[who]
        first = pattern not in seen
        seen.add(pattern)
        for request in requests_for(pattern, method, cookie, token, first):
            method_, path, query, headers, body = request
            answer = call(store["app"], method_, path, query, headers, body)
            count += 1
            if answer.status >= 500:
                failures.append((answer.status, method_, path[:80], query[:80],
                                 sorted(headers)[:3], body[:40]))  # fmt: skip
    assert count > 300
    assert not failures, "\n".join(map(repr, failures))
