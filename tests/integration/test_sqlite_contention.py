"""The embedded default (SQLite, one waitress process) under shoppers who
add to their carts at once and then look at them: GET /cart writes the
session (it pops the "added" message), and no request may fail on the
database's lock."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import build_database, make_settings
from tests.integration.appserver import Client, app_server

SHOPPERS = 8
ROUNDS = 15


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("contention")
    settings = make_settings(f"sqlite:///{workdir / 'shop.sqlite'}")
    build_database(settings, products=40)
    with app_server(settings, workdir, threads=SHOPPERS) as port:
        yield port


def test_shoppers_at_once_never_meet_the_databases_lock(port):
    status, listing = Client(port).request("GET", "/api/v1/products?per_page=20")
    products = [product["id"] for product in listing["products"]]
    statuses: list[tuple[str, int]] = []
    lock = threading.Lock()

    def shop(number: int) -> None:
        shopper = Client(port)
        shopper.start()
        for round_ in range(ROUNDS):
            product = products[(number * ROUNDS + round_) % len(products)]
            form = {"product_id": product, "quantity": 1, "csrf_token": shopper.token}
            added, _ = shopper.request("POST", "/cart/items", form=form)
            looked, _ = shopper.request("GET", "/cart")
            with lock:
                statuses.extend([("POST /cart/items", added), ("GET /cart", looked)])

    threads = [threading.Thread(target=shop, args=(n,)) for n in range(SHOPPERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [entry for entry in statuses if entry[1] >= 500]
    assert len(statuses) == 2 * SHOPPERS * ROUNDS
    assert not failed, f"{len(failed)} of {len(statuses)}: {failed[:5]}"
    assert {status for _, status in statuses} <= {200, 303}
