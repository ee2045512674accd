"""App CPU per request on the dynamic path: cart read, add to cart, checkout.

The app is built from ``production.ini`` as the cluster runs it (response
validation off, the object cache's memory, local and Redis tiers, throttle
counters in Redis) on SQLite, and called in this process through WebTest.
Each figure is the process CPU time (``time.process_time``) of many calls
divided by their number: the app's own work, its background threads' and
SQLite's included, Redis's server excluded. CPU time, not wall time, so
that other work on a busy machine slows the figures little. Beside each,
the SQL statements (transaction control apart) and Redis round trips (a
command or a pipeline sent, from any thread of the process) per call:
counts, which load does not move at all.
WebTest's own cost is measured apart against a bare Pyramid app and
reported, not subtracted. ``checkout_p50_ms`` is the median wall time of
one checkout, one shopper at a time (low load).

    python bench/dynamic.py        (make bench runs it)

``EMPORIUM_BENCH_ROUNDS`` sets the calls per figure (default 300). Ends with
``name: value`` lines, each CPU figure with its target beside it: cart read
<= 1.5 ms, add to cart <= 3 ms, checkout <= 10 ms, checkout p50 <= 15 ms.
"""

from __future__ import annotations

import atexit
import configparser
import os
import secrets
import shutil
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from _catalog import ROOT, seeded_database

PRODUCTS = 2_000
ROUNDS = int(os.environ.get("EMPORIUM_BENCH_ROUNDS", "300"))
WARM = 30
# Milliseconds: what each figure should come to.
TARGETS = {
    "cart_read_cpu_ms": 1.5,
    "add_to_cart_cpu_ms": 3.0,
    "checkout_cpu_ms": 10.0,
    "checkout_p50_ms": 15.0,
}
CHECKOUT = {
    "email": "bench@example.com",
    "name": "Bench Shopper",
    "address": {
        "line1": "1 Bench Rd",
        "city": "Leeds",
        "postal_code": "LS1 1AA",
        "country": "GB",
    },
    "payment": {"card_number": "4242424242424242", "expiry": "12/34", "cvc": "123"},
}


def production_settings(database: Path, workdir: Path, redis: str) -> dict:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "production.ini")
    settings = dict(parser["app:main"])
    settings.pop("use", None)
    settings.update(
        {
            "here": str(ROOT),
            "sqlalchemy.url": f"sqlite:///{database}",
            "emporium.themes.directories": str(ROOT / "themes"),
            "emporium.session.secret": secrets.token_urlsafe(48),
            "emporium.tokens.secret": secrets.token_urlsafe(48),
            "emporium.metrics.dir": str(workdir / "metrics"),
            "cache.tiers": "memory local redis",
            "cache.local.arguments.path": str(workdir / "cache"),
            "cache.redis.arguments.url": f"{redis}/0",
            "emporium.throttle.storage": f"{redis}/1",
            # One client making thousands of calls would measure 429s.
            "emporium.throttle.cart": "1000000/minute",
            "emporium.throttle.checkout": "1000000/minute",
            "emporium.throttle.api": "1000000/minute",
            "emporium.throttle.cart.burst": "1000000/second",
            "emporium.throttle.checkout.burst": "1000000/second",
            "emporium.throttle.api.burst": "1000000/second",
        }
    )
    return settings


def product_ids(app_config, count: int) -> list[int]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from emporium_catalog.models import Product

    with Session(app_config.registry["db.engine"]) as dbsession:
        found = dbsession.scalars(
            select(Product.id)
            .where(Product.section == "store", Product.price_minor > 0)
            .order_by(Product.id)
            .limit(count)
        ).all()
        # Stock enough for every checkout the benchmark makes.
        dbsession.query(Product).where(Product.id.in_(found)).update(
            {Product.stock: 1_000_000}
        )
        dbsession.commit()
    return list(found)


class Shopper:
    def __init__(self, app) -> None:
        import webtest

        self.client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "shop"})
        token = self.client.get("/api/v1/cart").json["csrf_token"]
        self.headers = {"X-CSRF-Token": token}

    def add(self, product_id: int, quantity: int = 1) -> None:
        self.client.post_json(
            "/api/v1/cart/items",
            {"product_id": product_id, "quantity": quantity},
            headers=self.headers,
            status=201,
        )

    def read(self) -> None:
        self.client.get("/api/v1/cart", status=200)

    def checkout(self, key: str) -> None:
        self.client.post_json(
            "/api/v1/checkout",
            CHECKOUT,
            headers={**self.headers, "Idempotency-Key": key},
            status=201,
        )


def cpu_ms(calls) -> float:
    """Mean process CPU of ``calls`` (an iterable of callables), in ms."""
    calls = list(calls)
    started = time.process_time()
    for call in calls:
        call()
    return (time.process_time() - started) * 1000 / len(calls)


class Counts:
    """SQL statements (transaction control apart) and Redis round trips
    made while counting. Redis's own count of commands would include those
    its scripts run (the throttle's is one round trip of several)."""

    CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}

    def __init__(self, engine) -> None:
        from redis.connection import AbstractConnection

        self.engine = engine
        self.statements = 0
        self.trips = 0
        send = AbstractConnection.send_packed_command

        def counted(connection, *args, **kwargs):
            self.trips += 1
            return send(connection, *args, **kwargs)

        # Every command and every pipeline leaves through here, once.
        AbstractConnection.send_packed_command = counted

    def _statement(self, conn, cursor, statement, *args) -> None:
        if statement.split(None, 1)[0].upper() not in self.CONTROL:
            self.statements += 1

    def of(self, calls) -> tuple[float, float, float]:
        """CPU ms, statements and Redis round trips per call of ``calls``."""
        from sqlalchemy import event

        calls = list(calls)
        self.statements = self.trips = 0
        event.listen(self.engine, "before_cursor_execute", self._statement)
        try:
            cpu = cpu_ms(calls)
        finally:
            event.remove(self.engine, "before_cursor_execute", self._statement)
        return cpu, self.statements / len(calls), self.trips / len(calls)


def repeats_done(settings: dict) -> None:
    """Wait for the work done again after commit (the second invalidation
    and purge) to be done, while Redis is still there to take it."""
    from emporium.settings import setting_value

    time.sleep(
        max(
            setting_value(settings, "cache.invalidation.repeat_after"),
            setting_value(settings, "emporium.purge.repeat_after"),
        )
        + 0.5
    )


def webtest_overhead_ms() -> float:
    import webtest
    from pyramid.config import Configurator
    from pyramid.response import Response

    config = Configurator()
    config.add_route("bare", "/bare")
    config.add_view(lambda request: Response(json_body={"ok": True}), route_name="bare")
    client = webtest.TestApp(config.make_wsgi_app())
    for _ in range(WARM):
        client.get("/bare")
    return cpu_ms(lambda: client.get("/bare") for _ in range(ROUNDS * 3))


def main() -> None:
    from emporium.cache.interfaces import IObjectCache
    from emporium.config import configure
    from tests.services import redis_server

    database = seeded_database(PRODUCTS)
    workdir = Path(tempfile.mkdtemp(prefix="emporium-bench-dynamic-"))
    # Removed last at exit: the metrics are published once more before it.
    atexit.register(shutil.rmtree, workdir, True)
    copy = workdir / "shop.sqlite"
    shutil.copy(database, copy)
    with ExitStack() as stack:
        redis = stack.enter_context(redis_server(workdir)).removesuffix("/0")
        settings = production_settings(copy, workdir, redis)
        config = configure(settings)
        app = config.make_wsgi_app()
        ids = product_ids(config, 40)
        counts = Counts(config.registry["db.engine"])

        # Cart read: a shopper with three lines reads their cart.
        reader = Shopper(app)
        for product_id in ids[:3]:
            reader.add(product_id)
        for _ in range(WARM):
            reader.read()
        read = counts.of(reader.read for _ in range(ROUNDS))

        # Add to cart: shoppers add five products each (a fresh shopper every
        # five adds keeps the carts of a real size).
        shoppers = [Shopper(app) for _ in range(ROUNDS // 5 + WARM)]
        for shopper in shoppers[:WARM]:
            for product_id in ids[10:15]:
                shopper.add(product_id)
        adds = [
            (lambda s=shopper, p=product_id: s.add(p))
            for shopper in shoppers[WARM:]
            for product_id in ids[10:15]
        ]
        add = counts.of(adds)

        # Checkout: each shopper has two lines (not measured) and pays.
        buyers = [Shopper(app) for _ in range(ROUNDS + WARM)]
        for number, buyer in enumerate(buyers):
            buyer.add(ids[20 + number % 10], 2)
            buyer.add(ids[30 + number % 10])
        for number, buyer in enumerate(buyers[:WARM]):
            buyer.checkout(f"bench-warm-{number:06d}")
        checkout = counts.of(
            (lambda b=buyer, n=number: b.checkout(f"bench-cpu-{n:06d}"))
            for number, buyer in enumerate(buyers[WARM : WARM + ROUNDS // 2])
        )
        walls = []
        for number, buyer in enumerate(buyers[WARM + ROUNDS // 2 :]):
            started = time.perf_counter()
            buyer.checkout(f"bench-wall-{number:06d}")
            walls.append((time.perf_counter() - started) * 1000)
        repeats_done(settings)
        # Before Redis stops: its listener would report the lost channel.
        config.registry.getUtility(IObjectCache).close()
        config.registry["db.engine"].dispose()

    print(f"database: SQLite, {PRODUCTS} products; Redis for the cache and throttle")
    print(f"calls_per_figure: {ROUNDS}")
    print(f"webtest_overhead_ms: {webtest_overhead_ms():.2f}")
    for name, (cpu, statements, trips) in (
        ("cart_read", read),
        ("add_to_cart", add),
        ("checkout", checkout),
    ):
        figure(f"{name}_cpu_ms", cpu)
        print(f"{name}_sql_statements: {statements:.1f}")
        print(f"{name}_redis_round_trips: {trips:.1f}")
    figure("checkout_p50_ms", statistics.median(walls))


def figure(name: str, value: float) -> None:
    """``name: value``, and its target beside it."""
    target = TARGETS[name]
    verdict = "met" if value <= target else "missed"
    print(f"{name}: {value:.2f}  (target <= {target:g}, {verdict})")


if __name__ == "__main__":
    main()
