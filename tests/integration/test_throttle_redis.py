"""The throttle's counters in a real Redis: a request costs one round trip
whatever it is counted against, a flood is refused, others are not, and a
Redis that goes away lets requests through instead of failing them."""

from __future__ import annotations

import redis
import webtest

from emporium.config import configure
from tests.conftest import build_database, make_settings
from tests.services import redis_server


def client(app, address: str) -> webtest.TestApp:
    return webtest.TestApp(
        app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": address}
    )


def commands(connection: redis.Redis) -> dict[str, int]:
    """Commands Redis has run (those a script runs too), but the INFO."""
    stats = connection.info("commandstats")
    return {k.removeprefix("cmdstat_"): v["calls"] for k, v in stats.items()}


def run_since(connection: redis.Redis, before: dict[str, int]) -> dict[str, int]:
    now = commands(connection)
    ran = {k: n - before.get(k, 0) for k, n in now.items() if k != "info"}
    return {k: n for k, n in ran.items() if n}


def test_a_request_costs_one_round_trip_and_a_flood_is_refused(tmp_path):
    with redis_server(tmp_path / "redis") as url:
        settings = make_settings(
            f"sqlite:///{tmp_path / 'shop.sqlite'}",
            **{
                "emporium.throttle.enabled": "true",
                "emporium.throttle.storage": url.removesuffix("/0") + "/1",
                "emporium.throttle.pages": "5/minute",
                "emporium.throttle.address_factor": "3",
            },
        )
        build_database(settings, products=5)
        app = configure(settings).make_wsgi_app()
        connection = redis.Redis.from_url(url)
        flooder, neighbour = client(app, "10.0.0.1"), client(app, "10.0.0.1")
        flooder.get("/cart/summary")  # a session
        neighbour.get("/cart/summary")

        before = commands(connection)
        flooder.get("/", status=200)
        # Counted against the session and the address: one script, one trip
        # (what the script itself runs is counted by Redis too).
        ran = run_since(connection, before)
        assert ran.pop("evalsha") == 1, ran
        assert set(ran) <= {"incr", "ttl", "expire"}, ran
        for _ in range(4):  # five for the session, the first unknown to it
            flooder.get("/", status=200)
        refused = flooder.get("/", status=429)
        assert 50 <= int(refused.headers["Retry-After"]) <= 60
        neighbour.get("/", status=200)
        client(app, "10.0.0.2").get("/", status=200)
        # Without a cookie, the address's ceiling (5 x 3) is met.
        statuses = [
            client(app, "10.0.0.3").get("/", expect_errors=True).status_code
            for _ in range(16)
        ]
        assert statuses[:15] == [200] * 15 and statuses[15] == 429

    # Redis is gone: requests go through, the store stays up, and each
    # process counts on its own, so a flood is still refused.
    flooder = client(app, "10.0.0.4")
    statuses = [flooder.get("/", expect_errors=True).status_code for _ in range(16)]
    assert statuses[:15] == [200] * 15 and statuses[15] == 429
