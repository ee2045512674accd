"""The Christmas shoppers for Locust, against any Emporium store:

    pip install -e ".[load]"
    locust -f bench/capacity/locustfile.py --host https://shop.example.com \\
        --users 700 --spawn-rate 56

Each Locust user plays one session of the model (``shoppers.py``) after
another, each with a fresh cookie jar: the first request of each carries no
cookie. Sessions arrive open-loop (Poisson at the model's 56 a second ×
CAPACITY_MULTIPLE, default 1) while enough users are free: give it as many
users as sessions in flight, about 56 × 13 s × the multiple. The catalog is
read from the store itself: the sitemap's category pages, the product count
from ``/api/v1/products``. Logins need accounts ``shopper-N@example.com``
with the model's password: set CAPACITY_ACCOUNTS to how many exist.

A 2-core box cannot drive its own store at ×10 from Locust (gevent and one
greenlet per shopper cost about ten times the runner's asyncio engine per
request); ``make capacity`` uses that engine, from the same model.
"""

from __future__ import annotations

import os
import random
import re
import time

from locust import HttpUser, task

from bench.capacity.shoppers import NEW_SESSIONS, Catalog, Response, Session

MULTIPLE = float(os.environ.get("CAPACITY_MULTIPLE") or 1)
_catalog: Catalog | None = None
_next_arrival = [0.0]


def discover(client) -> Catalog:
    """The store's fronts, categories and product count, asked once."""
    sitemap = client.get("/sitemaps/pages.xml", name="(discover)").text
    paths = [
        re.sub(r"^https?://[^/]+", "", loc)
        for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)
    ]
    categories = [p for p in paths if p.startswith("/categories/")]
    fronts = [
        p for p in paths if p.count("/") <= 2 and not p.startswith("/categories/")
    ]
    listing = client.get("/api/v1/products?page=1", name="(discover)").json()
    total = int(listing.get("total") or listing.get("count") or 1000)
    return Catalog(
        products=total,
        fronts=fronts or ["/"],
        categories=categories or ["/"],
        accounts=int(os.environ.get("CAPACITY_ACCOUNTS") or 0),
    )


class Shopper(HttpUser):
    """Sessions of the model, one after another."""

    def on_start(self) -> None:
        global _catalog
        if _catalog is None:
            _catalog = discover(self.client)

    @task
    def session(self) -> None:
        # Open-loop arrivals shared by all users of this process: a user
        # waits for its session's scheduled arrival, never for the store.
        rate = NEW_SESSIONS * MULTIPLE
        _next_arrival[0] = max(_next_arrival[0], time.monotonic()) + random.expovariate(
            rate
        )
        delay = _next_arrival[0] - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.client.cookies.clear()
        shopper = Session(_catalog, random.Random())
        steps = shopper.steps()
        request = next(steps)
        while True:
            headers = dict(request.headers)
            with self.client.request(
                request.method,
                request.path,
                data=request.body,
                headers=headers,
                name=request.kind,
                allow_redirects=False,
                catch_response=True,
            ) as answer:
                if answer.status_code == 409:
                    answer.success()  # sold out is a true answer
                response = Response(
                    answer.status_code,
                    {k.lower(): v for k, v in answer.headers.items()},
                    answer.content or b"",
                )
            # The model keeps the cookies; requests' own jar would double them.
            self.client.cookies.clear()
            response.headers["set-cookie"] = "\n".join(
                f"{c.name}={c.value}" for c in answer.cookies
            )
            if request.think:
                time.sleep(request.think)
            try:
                request = steps.send(response)
            except StopIteration:
                return
