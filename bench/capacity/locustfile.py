"""The Christmas shoppers for Locust, against any Emporium store:

    pip install -e ".[load]"
    locust -f bench/capacity/locustfile.py --host https://shop.example.com \\
        --users 700 --spawn-rate 56

Each Locust user plays one session of the model (``shoppers.py``) after
another, each with a fresh cookie jar: the first request of each carries no
cookie. Sessions arrive open-loop (Poisson at the model's 56 a second ×
CAPACITY_MULTIPLE, default 1) while enough users are free: give it as many
users as sessions in flight, about 56 × 13 s × the multiple. The catalog is
read from the store itself: the sitemap's fronts and category pages, and the
highest product id from the last product sitemap (ids 1..N are drawn).
Logins need accounts ``shopper-N@example.com`` with the model's password:
set CAPACITY_ACCOUNTS to how many exist.

Locust costs about 1.7 ms of CPU per request here against the runner's
asyncio engine's 0.25 ms (docs/capacity.md), so ``make capacity``, which
shares the box with the store, uses that engine, from the same model.
"""

from __future__ import annotations

import os
import random
import re
import sys
import time
from pathlib import Path

from gevent.lock import Semaphore
from locust import HttpUser, task

# Locust puts this file's folder on the path, not the checkout's.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.capacity.shoppers import (  # noqa: E402
    NEW_SESSIONS,
    Catalog,
    Response,
    Session,
)

_LOC = re.compile(r"<loc>([^<]+)</loc>")
MULTIPLE = float(os.environ.get("CAPACITY_MULTIPLE") or 1)
_catalog: Catalog | None = None
_next_arrival = [0.0]
_discovering = Semaphore()


def _paths(client, url: str) -> list[str]:
    text = client.get(url, name="(discover)").text
    return [re.sub(r"^https?://[^/]+", "", loc) for loc in _LOC.findall(text)]


def discover(client) -> Catalog:
    """The store's fronts and categories from its sitemap, and its highest
    product id from the last product sitemap (CAPACITY_PRODUCTS skips that)."""
    paths = _paths(client, "/sitemaps/pages.xml")
    categories = [p for p in paths if p.startswith("/categories/")]
    fronts = [p for p in paths if p.count("/") <= 2 and p not in categories]
    products = int(os.environ.get("CAPACITY_PRODUCTS") or 0)
    if not products:
        files = [p for p in _paths(client, "/sitemap.xml") if "products-" in p]
        ids = [
            int(found.group(1))
            for path in files[-1:]
            for page in _paths(client, path)
            if (found := re.search(r"/products/(\d+)", page))
        ]
        products = max(ids, default=1)
    return Catalog(
        products=products,
        fronts=fronts or ["/"],
        categories=categories or ["/"],
        accounts=int(os.environ.get("CAPACITY_ACCOUNTS") or 0),
    )


class Shopper(HttpUser):
    """Sessions of the model, one after another."""

    def on_start(self) -> None:
        global _catalog
        with _discovering:  # the first user asks; the others wait for it
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
