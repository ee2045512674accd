"""Bad input that used to end in a 500 gets a 4xx naming what was wrong: a
CSRF token that is not ASCII, JSON nested past reason, a page position past
the database's integers, a category slug longer than any key, a path or query
string that is not UTF-8 (the themed page still renders), an absurd
If-Modified-Since (ignored), and a body over the limit (413, no hop-by-hop
header a server would refuse)."""

from __future__ import annotations

import json

import pytest

from tests.functional.raw import call

DEEP = b"[" * 30_000


@pytest.fixture
def shopper(testapp):
    token = testapp.get("/api/v1/cart").json["csrf_token"]
    return testapp, token


@pytest.mark.parametrize("token", ["\xe9", "é" * 64, "\u2603"])
def test_a_csrf_token_that_is_not_ascii_is_refused(shopper, token):
    app, _ = shopper
    api = app.post(
        "/api/v1/cart/items",
        b'{"product_id": 1, "quantity": 1}',
        headers={"X-CSRF-Token": token.encode("utf-8").decode("latin-1")},
        content_type="application/json",
        expect_errors=True,
    )
    assert api.status_code == 403 and api.json["field"] == "csrf_token"
    form = app.post(
        "/cart/items", {"csrf_token": token, "product_id": "1"}, expect_errors=True
    )
    assert form.status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/cart/items", "/api/v1/checkout"])
def test_json_nested_past_reason_is_a_400(shopper, path):
    app, token = shopper
    response = app.post(
        path,
        DEEP,
        headers={"X-CSRF-Token": token},
        content_type="application/json",
        expect_errors=True,
    )
    assert response.status_code == 400, response.text[:300]
    assert response.json["field"] == "body"
    assert "nested" in response.json["detail"]
    # Reasonable nesting is still read (and judged by the schema).
    body = {"product_id": [[[[1]]]], "quantity": 1}
    shallow = app.post(
        path,
        json.dumps(body),
        headers={"X-CSRF-Token": token},
        content_type="application/json",
        expect_errors=True,
    )
    assert shallow.status_code == 422


@pytest.mark.parametrize(
    "after", ["99999999999999999999.1", "1.99999999999999999999", "².1", "-1.2"]
)
def test_a_page_position_past_the_databases_integers_is_a_400(testapp, after):
    response = testapp.get(
        "/categories/board-games", {"after": after}, expect_errors=True
    )
    assert response.status_code == 400
    assert "after" in response.text


@pytest.mark.parametrize("length", [511, 600, 5000])
def test_a_category_slug_longer_than_any_key_is_a_404(testapp, length):
    testapp.get("/categories/" + "a" * length, status=404)
    testapp.get("/api/v1/products/" + "9" * length, status=(400, 404))


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/search", "q=%ff%fe"),
        ("/account/login", "next=%ff"),
        ("/categories/%ff", ""),
        ("/products/%c3%28", ""),
        ("/%ff%fe/x", "a=%80"),
        ("/categories/board-games", "after=%ff"),
        ("/categories/a%00b", ""),
    ],
)
def test_a_path_or_query_that_is_not_utf8_is_a_themed_400(wsgi_app, path, query):
    answer = call(wsgi_app, "GET", path, query)
    assert answer.status == 400, answer.text[:300]
    assert answer.header("Content-Type").startswith("text/html")
    assert 'class="site-header' in answer.text or "<header" in answer.text
    assert "Reference:" not in answer.text  # not the plain last-resort 500


@pytest.mark.parametrize("path", ["/api/v1/products/%ff", "/api/v1/search"])
def test_an_api_path_or_query_that_is_not_utf8_is_a_problem(wsgi_app, path):
    answer = call(wsgi_app, "GET", path, "q=%ff")
    assert answer.status == 400
    assert answer.header("Content-Type") == "application/problem+json"
    assert json.loads(answer.body)["status"] == 400


def test_a_form_body_that_is_not_utf8_is_a_400(shopper, wsgi_app):
    app, token = shopper
    cookie = "; ".join(f"{k}={v}" for k, v in app.cookies.items())
    answer = call(
        wsgi_app,
        "POST",
        "/cart/items",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
        },
        body=f"csrf_token={token}&product_id=%ff%fe".encode(),
    )
    assert answer.status == 400, answer.text[:300]


@pytest.mark.parametrize(
    "since",
    [
        "Sat, 01 Jan 99999 00:00:00 GMT",
        "Sat, 01 Jan 0000 00:00:00 GMT",
        "Mon, 99 Foo 2020 99:99:99 GMT",
        "\xff\xfe",
    ],
)
def test_an_absurd_if_modified_since_is_ignored(testapp, since):
    product = testapp.get("/api/v1/products").json["products"][0]["id"]
    for path in ("/", f"/products/{product}"):
        response = testapp.get(path, headers={"If-Modified-Since": since})
        assert response.status_code == 200


def test_a_body_over_the_limit_is_a_413_without_hop_by_hop_headers(shopper):
    app, token = shopper
    response = app.post(
        "/api/v1/cart/items",
        b"{" + b" " * 200_000 + b"}",
        headers={"X-CSRF-Token": token},
        content_type="application/json",
        expect_errors=True,
    )
    assert response.status_code == 413
    assert "Connection" not in response.headers


def test_cookies_no_browser_sends_are_dropped_and_the_session_kept(shopper, wsgi_app):
    app, _ = shopper
    app.get("/cart")
    session = app.cookies["emporium_session"]
    before = app.get("/api/v1/cart").json
    # WebOb's cookie parser takes the square of such a value's length.
    garbage = "\xe9" + "x" * 64_000 + '; b="unclosed' + "y" * 64_000 + "; c=\x0b;;=;"
    answer = call(
        wsgi_app,
        "GET",
        "/api/v1/cart",
        headers={"Cookie": f"a={garbage}; emporium_session={session}"},
    )
    assert answer.status == 200
    assert json.loads(answer.body)["csrf_token"] == before["csrf_token"]
