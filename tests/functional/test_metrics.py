"""``/metrics``: requests by route and status class, orders and their totals
as they commit (a declined checkout counts nothing)."""

from __future__ import annotations

import re

import pytest

from emporium.config import configure
from emporium.errors import ConfigurationError
from tests.functional.test_api_checkout import DECLINED_CARD, Shopper, checkout_body


def value(text: str, sample: str) -> float:
    found = re.search(rf"^{re.escape(sample)} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


SCRAPER = {"REMOTE_ADDR": "127.0.0.1"}


def scrape(testapp) -> str:
    response = testapp.get("/metrics", extra_environ=SCRAPER)
    assert response.content_type.startswith("text/plain")
    return response.text


def test_requests_are_counted_by_route_and_status_class(testapp):
    before = scrape(testapp)
    testapp.get("/products/1")
    testapp.get("/products/1")
    testapp.get("/no-such-page", status=404)
    after = scrape(testapp)
    product = 'emporium_requests_total{route="product",status="2xx"}'
    missing = 'emporium_requests_total{route="-",status="4xx"}'
    assert value(after, product) - value(before, product) == 2
    assert value(after, missing) - value(before, missing) == 1


def test_orders_and_their_totals_are_counted_once_committed(new_client, make_product):
    shopper = Shopper(new_client())
    before = scrape(shopper.app)
    shopper.add(make_product(stock=5, price_minor=1250), 2)
    shopper.checkout(checkout_body(DECLINED_CARD), status=402)
    middle = scrape(shopper.app)
    orders = 'emporium_orders_total{currency="USD"}'
    revenue = 'emporium_order_revenue_minor_total{currency="USD"}'
    assert value(middle, orders) == value(before, orders)
    order = shopper.checkout().json
    after = scrape(shopper.app)
    assert value(after, orders) - value(before, orders) == 1
    total_minor = round(float(order["total"]) * 100)
    assert value(after, revenue) - value(before, revenue) == total_minor


def test_only_a_scraper_on_an_allowed_network_asking_directly_is_answered(testapp):
    testapp.get("/metrics", extra_environ={"REMOTE_ADDR": "::1"}, status=200)
    for environ, headers in (
        ({"REMOTE_ADDR": "203.0.113.9"}, {}),
        ({}, {}),
        # Through the proxy tier: a shopper, whatever the last hop.
        (SCRAPER, {"X-Forwarded-For": "203.0.113.9"}),
    ):
        response = testapp.get(
            "/metrics", extra_environ=environ, headers=headers, status=404
        )
        assert "emporium_orders" not in response.text


def test_a_bad_allow_list_is_named(app_settings):
    settings = dict(app_settings, **{"emporium.metrics.allow": "10.0.0.0/8 lan"})
    with pytest.raises(ConfigurationError, match="emporium.metrics.allow"):
        configure(settings)
