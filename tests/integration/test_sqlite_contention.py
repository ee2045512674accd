"""The embedded default (SQLite, one waitress process) under shoppers who
add to their carts at once and then look at them: GET /cart writes the
session (it pops the "added" message), and no request may fail on the
database's lock."""

from __future__ import annotations

import http.client
import json
import threading
from urllib.parse import urlencode

import pytest

from tests.conftest import build_database, make_settings
from tests.integration.appserver import app_server

SHOPPERS = 8
ROUNDS = 15


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("contention")
    settings = make_settings(f"sqlite:///{workdir / 'shop.sqlite'}")
    build_database(settings, products=40)
    with app_server(settings, workdir, threads=SHOPPERS) as port:
        yield port


class Shopper:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""

    def send(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("emporium_session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, data


def test_shoppers_at_once_never_meet_the_databases_lock(port):
    first = Shopper(port)
    status, body = first.send("GET", "/api/v1/products?per_page=20")
    products = [p["id"] for p in json.loads(body)["products"]]
    statuses: list[tuple[str, int]] = []
    lock = threading.Lock()

    def shop(number: int) -> None:
        shopper = Shopper(port)
        status, body = shopper.send("GET", "/api/v1/cart")
        token = json.loads(body)["csrf_token"]
        for round_ in range(ROUNDS):
            product = products[(number * ROUNDS + round_) % len(products)]
            form = {"product_id": product, "quantity": 1, "csrf_token": token}
            added, _ = shopper.send("POST", "/cart/items", form)
            looked, _ = shopper.send("GET", "/cart")
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
