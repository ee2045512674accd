"""The search daemon for real: ``emporium search-server`` replicas on
loopback reading one index, and the app's client in front of them."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import webtest

from emporium.config import configure
from emporium.search.conditions import SearchConditions
from emporium.search.errors import SearchUnavailable
from emporium.search.interfaces import ISearch, ISearchIndexer
from emporium.search.services import RemoteSearch
from emporium_catalog.models import Product
from tests.services import free_port, stop, wait_for_port
from tests.unit.emporium.search import catalog
from tests.unit.emporium.search.conformance import SearchConformance, ids

HANG_GUARD = 30.0
EMPORIUM = str(Path(sys.executable).with_name("emporium"))


def _write_ini(path: Path, settings: dict) -> Path:
    lines = ["[app:main]", "use = egg:emporium"]
    for key, value in settings.items():
        if key != "here":
            lines.append(f"{key} = {value.replace('%', '%%')}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextmanager
def search_server(ini: Path, port: int, log: Path) -> Iterator[subprocess.Popen]:
    with log.open("ab") as output:
        process = subprocess.Popen(
            [EMPORIUM, "search-server", str(ini), "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, timeout=HANG_GUARD, process=process)
        deadline = time.monotonic() + HANG_GUARD
        while not _healthy(port):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield process
    finally:
        stop(process)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("search-cluster")
    settings = catalog.build(folder, **{"emporium.search.index": str(folder / "idx")})
    ini = _write_ini(folder / "search.ini", settings)
    ports = [free_port(), free_port()]
    with (
        search_server(ini, ports[0], folder / "replica-1.log"),
        search_server(ini, ports[1], folder / "replica-2.log"),
    ):
        servers = " ".join(f"http://127.0.0.1:{p}" for p in ports)
        # A generous timeout: a busy CI machine must not pass for a dead server.
        overrides = {
            "emporium.search.servers": servers,
            "emporium.search.timeout": "10",
        }
        config = configure(dict(settings, **overrides))
        config.commit()
        yield config.registry, ports
        config.registry.getUtility(ISearch).close()
        config.registry["db.engine"].dispose()


@pytest.fixture
def search(cluster):
    registry, _ = cluster
    found = registry.getUtility(ISearch)
    assert isinstance(found, RemoteSearch)
    return found


class TestRemoteSearch(SearchConformance):
    """The same behaviour through the daemons as in-process."""


def test_queries_are_spread_over_replicas_on_kept_alive_connections(search):
    for _ in range(10):
        ids(search, words="castle")
    for replica in search.replicas:
        # Each replica answered and left a connection in its pool.
        assert replica._pool.qsize() >= 1


def test_the_daemon_speaks_json_only(cluster):
    _, ports = cluster
    connection = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=5)
    connection.request("POST", "/v1/search", body=b"not json")
    response = connection.getresponse()
    assert response.status == 400
    assert json.loads(response.read())["field"] == "body"
    connection.request("GET", "/search?q=castle")
    response = connection.getresponse()
    assert response.status == 404
    assert response.getheader("Content-Type") == "application/problem+json"
    response.read()
    connection.close()


def test_the_daemons_health_says_what_it_keeps_against_its_bound(cluster, search):
    _, ports = cluster
    for replica in range(2):  # spread over both: each has counted one
        ids(search, words=f"castle dragon{replica}")
    held = []
    for port in ports:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/health")
        body = json.loads(connection.getresponse().read())
        connection.close()
        assert body["counts_cache"]["limit"] == 4096
        held.append(body["counts_cache"]["entries"])
    assert sum(held) >= 1


def test_a_save_reaches_every_replica(cluster, search):
    registry, _ = cluster
    with registry["dbsession_factory"]() as dbsession:
        dbsession.get(Product, 5).name = "Running Shoes for Marionettes"
        dbsession.commit()
    assert registry.getUtility(ISearchIndexer).drain(HANG_GUARD)
    # The replica that wrote sees it at once; the other on its next reload.
    deadline = time.monotonic() + HANG_GUARD
    while True:
        answers = [ids(search, words="marionettes") for _ in search.replicas]
        if answers == [[5]] * len(search.replicas):
            break
        assert time.monotonic() < deadline, answers
        time.sleep(0.1)


def test_killing_the_daemon_gives_the_unavailable_page_and_restarting_restores_it(
    tmp_path,
):
    settings = catalog.build(tmp_path, **{"emporium.search.index": str(tmp_path / "i")})
    ini = _write_ini(tmp_path / "search.ini", settings)
    port = free_port()
    config = configure(
        dict(
            settings,
            **{
                "emporium.search.servers": f"http://127.0.0.1:{port}",
                "emporium.search.timeout": "10",
            },
        )
    )
    config.commit()
    app = webtest.TestApp(
        config.make_wsgi_app(), extra_environ={"HTTP_HOST": "localhost:6543"}
    )
    log = tmp_path / "daemon.log"
    with search_server(ini, port, log) as process:
        assert app.get("/search", {"q": "castle"}).status_code == 200
        stop(process, signal.SIGKILL, timeout=HANG_GUARD)
        page = app.get("/search", {"q": "castle"}, status=503)
        assert "Search is unavailable" in page.text
        assert 'class="site-header' in page.text
        api = app.get("/api/v1/search", {"q": "castle"}, status=503)
        assert api.content_type == "application/problem+json"
        app.get("/books/", status=200)  # the rest of the store goes on
    with search_server(ini, port, log):
        # The client retries a replica that failed once its pause is over.
        deadline = time.monotonic() + HANG_GUARD
        while (
            app.get("/search", {"q": "castle"}, expect_errors=True).status_code != 200
        ):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        data = app.get("/api/v1/search", {"q": "magic castle"}).json
        assert data["ids"][0] == 1
    config.registry.getUtility(ISearch).close()
    config.registry["db.engine"].dispose()


def test_one_replica_down_is_skipped(tmp_path, cluster):
    registry, ports = cluster
    dead = free_port()
    client = RemoteSearch(
        [f"http://127.0.0.1:{dead}", f"http://127.0.0.1:{ports[0]}"], timeout=10.0
    )
    try:
        for _ in range(4):
            assert client.search(SearchConditions(words="castle")).total == 5
    finally:
        client.close()


CHECKOUT = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "address": {
        "line1": "1 Analytical St",
        "city": "London",
        "postal_code": "N1 9GU",
        "country": "GB",
    },
    "payment": {"card_number": "4242424242424242", "expiry": "12/30", "cvc": "123"},
}


def _the_rest_of_the_store_works(app: webtest.TestApp) -> None:
    app.get("/products/12", status=200)
    app.get("/categories/books-chapter-books", status=200)
    app.get("/books/", status=200)
    token = app.get("/api/v1/cart").json["csrf_token"]
    headers = {"X-CSRF-Token": token}
    app.post_json(
        "/api/v1/cart/items", {"product_id": 12, "quantity": 1}, headers=headers
    )
    app.get("/cart", status=200)
    order = app.post_json("/api/v1/checkout", CHECKOUT, headers=headers, status=201)
    assert order.json["lines"][0]["product_id"] == 12


def test_one_server_gone_the_other_answers_both_gone_only_search_fails(tmp_path):
    settings = catalog.build(tmp_path, **{"emporium.search.index": str(tmp_path / "i")})
    ini = _write_ini(tmp_path / "search.ini", settings)
    ports = [free_port(), free_port()]
    config = configure(
        dict(
            settings,
            **{
                "emporium.search.servers": " ".join(
                    f"http://127.0.0.1:{port}" for port in ports
                ),
                "emporium.search.timeout": "10",
            },
        )
    )
    config.commit()
    app = webtest.TestApp(
        config.make_wsgi_app(), extra_environ={"HTTP_HOST": "localhost:6543"}
    )
    log = tmp_path / "daemons.log"
    with (
        search_server(ini, ports[0], log) as first,
        search_server(ini, ports[1], log) as second,
    ):
        stop(first, signal.SIGKILL, timeout=HANG_GUARD)
        for _ in range(4):  # whichever replica's turn it is
            assert app.get("/search", {"q": "castle"}).status_code == 200
            assert app.get("/api/v1/search", {"q": "castle"}).json["total"] == 5
        stop(second, signal.SIGKILL, timeout=HANG_GUARD)
        for _ in range(3):
            page = app.get("/search", {"q": "castle"}, status=503)
            assert "Search is unavailable" in page.text
            assert 'class="site-header' in page.text
            api = app.get("/api/v1/search", {"q": "castle"}, status=503)
            assert api.content_type == "application/problem+json"
        _the_rest_of_the_store_works(app)
    with search_server(ini, ports[0], log), search_server(ini, ports[1], log):
        deadline = time.monotonic() + HANG_GUARD
        while (
            app.get("/search", {"q": "castle"}, expect_errors=True).status_code != 200
        ):
            assert time.monotonic() < deadline, "search never came back"
            time.sleep(0.2)
    config.registry.getUtility(ISearch).close()
    config.registry["db.engine"].dispose()


def test_with_every_server_failing_one_request_in_a_while_tries_them():
    """A server that accepts and never answers (frozen) costs the first
    request its timeout; those after it are answered at once, not each made
    to wait, until the pause is over."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(32)
        port = silent.getsockname()[1]
        client = RemoteSearch([f"http://127.0.0.1:{port}"], timeout=0.5)
        try:
            for _ in range(10):
                with pytest.raises(SearchUnavailable):
                    client.search(SearchConditions(words="castle"))
        finally:
            client.close()
        silent.setblocking(False)
        tried = 0
        while True:
            try:
                silent.accept()[0].close()
            except BlockingIOError:
                break
            tried += 1
    # One, or two should the machine stall past the pause between requests.
    assert 1 <= tried <= 2
