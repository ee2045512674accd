"""The throttle's burst window: a script firing searches from one address is
refused within its short window, with or without a cookie, while shoppers
behind the same address searching at their own pace are not, and the
per-minute limits still hold beside it.

The windows here are half a minute rather than the shipped second, so what
is asserted is the count, never how fast this machine answers."""

from __future__ import annotations

import pytest

from emporium.config import configure
from emporium.security.throttle import Throttle
from emporium.settings import setting_value
from tests.functional.test_security import client
from tests.unit.emporium.search import catalog

BURST, FACTOR = 3, 2


@pytest.fixture(scope="module")
def searchable(tmp_path_factory) -> dict:
    return catalog.build(tmp_path_factory.mktemp("burst"))


@pytest.fixture
def burst_app(searchable):
    settings = dict(
        searchable,
        **{
            "emporium.throttle.enabled": "true",
            "emporium.throttle.search": "1000/minute",
            "emporium.throttle.search.burst": f"{BURST}/30seconds",
            "emporium.throttle.burst_address_factor": str(FACTOR),
            "emporium.throttle.pages": "4/minute",
            "emporium.throttle.api": "1000/minute",
        },
    )
    return configure(settings).make_wsgi_app()


def with_session(wsgi_app, address):
    app = client(wsgi_app, address)
    app.get("/api/v1/cart")  # a session cookie
    return app


def search(app):
    return app.get("/search?q=castle", expect_errors=True)


def test_a_burst_without_a_cookie_meets_the_address_ceiling(burst_app):
    statuses = [search(client(burst_app, "10.2.0.1")).status_code for _ in range(8)]
    assert statuses == [200] * (BURST * FACTOR) + [429, 429]
    refused = search(client(burst_app, "10.2.0.1"))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 30
    assert "Too many requests (search)" in refused.text
    # Another address, and the address's other route classes: unaffected.
    assert search(client(burst_app, "10.2.0.2")).status_code == 200
    assert client(burst_app, "10.2.0.1").get("/").status_code == 200


def test_a_burst_with_a_cookie_is_refused_and_its_neighbours_are_not(burst_app):
    flooder = with_session(burst_app, "10.2.1.1")
    statuses = [search(flooder).status_code for _ in range(BURST + 2)]
    assert statuses == [200] * BURST + [429, 429]
    # Shoppers behind the same address, each searching now and then.
    for _ in range(BURST * FACTOR - BURST):
        assert search(with_session(burst_app, "10.2.1.1")).status_code == 200
    # The address's own burst is spent now: one more script is refused too.
    assert search(with_session(burst_app, "10.2.1.1")).status_code == 429


def test_the_minute_limit_still_holds_under_the_burst_limit(burst_app):
    # pages: 4 a minute, a burst of 10 a second by default: the minute
    # refuses first.
    shopper = with_session(burst_app, "10.2.2.1")
    statuses = [shopper.get("/", expect_errors=True).status_code for _ in range(5)]
    assert statuses == [200] * 4 + [429]


def test_the_shipped_burst_windows_are_one_second():
    settings = {"emporium.throttle.enabled": "true"}
    throttle = Throttle(settings)
    factor = setting_value(settings, "emporium.throttle.burst_address_factor")
    for name, (minute, burst) in throttle.limits.items():
        per_minute, (per_session, per_address) = minute[0], burst
        assert per_session.get_expiry() == 1, name
        assert per_address.amount == per_session.amount * factor, name
        # Sixty bursts a minute are more than the minute allows: the burst
        # window is a ceiling on speed, not a larger budget.
        assert per_session.amount * 60 > per_minute.amount, name
        # Nor does it lower what an address may sustain: its burst ceiling
        # is at least the minute ceiling's rate a second.
        assert per_address.amount * 60 >= minute[1].amount, name
