"""The console's catalog list finds products by words through the search
service, on the fixed catalog of tests/unit/emporium/search/catalog.py, and falls
back to scanning names when search is unavailable."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import webtest
from sqlalchemy import event
from sqlalchemy.orm import Session

from emporium.accounts.services import create_user
from emporium.config import configure
from emporium.interfaces import IPasswordHasher
from emporium.search.interfaces import ISearchIndexer
from emporium_admin.imports import CatalogImporter
from emporium_catalog.models import Product
from tests.unit.emporium.search import catalog

HOST = {"HTTP_HOST": "localhost:6543"}
EMAIL = "finder@example.com"
PASSWORD = "merchandiser password"


@contextmanager
def _console(settings: dict) -> Iterator[tuple[webtest.TestApp, object]]:
    """A merchandiser logged in to an app of ``settings``; yields the client
    and the app's registry."""
    config = configure(dict(settings))
    config.commit()
    registry = config.registry
    hasher = registry.getUtility(IPasswordHasher)
    with Session(registry["db.engine"]) as session, session.begin():
        create_user(session, hasher, EMAIL, PASSWORD, roles="merchandiser")
    client = webtest.TestApp(config.make_wsgi_app(), extra_environ=HOST)
    form = client.get("/admin/login").forms[0]
    form["email"] = EMAIL
    form["password"] = PASSWORD
    assert form.submit().status_int == 303
    try:
        yield client, registry
    finally:
        registry.getUtility(ISearchIndexer).drain(30)
        registry["db.engine"].dispose()


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    with _console(catalog.build(tmp_path_factory.mktemp("admin-search"))) as found:
        yield found


@pytest.fixture
def client(console) -> webtest.TestApp:
    return console[0]


@pytest.fixture
def statements(console) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = console[1]["db.engine"]
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _ids(response) -> list[int]:
    rows = response.html.select("table.products tbody tr")
    return [int(r["id"].split("-")[1]) for r in rows]


def _found(response) -> str:
    found = response.html.select_one("p.found")
    return " ".join(found.text.split()) if found is not None else ""


def test_a_word_of_the_name_finds_products_newest_first(client):
    response = client.get("/admin/products", {"q": "castle"})
    # Newest first by creation: 1, 10, 20, 30 and 200 days old.
    assert _ids(response) == [23, 3, 2, 1, 22]
    assert _found(response).startswith("5 products match, newest first")
    assert response.html.select_one(".notice") is None


def test_words_are_matched_as_the_storefront_matches_them(client, statements):
    """A typo and a plural: no part of any name, so a LIKE filter finds
    nothing; and no statement scans the names."""
    assert _ids(client.get("/admin/products", {"q": "dargon"})) == [24, 4]
    assert _ids(client.get("/admin/products", {"q": "castles magic"})) == [3, 2, 1]
    assert statements
    assert not [s for s in statements if "LIKE" in s.upper()], statements


def test_section_and_category_filters_narrow_the_words(client):
    videogames = client.get("/admin/products", {"q": "castle", "section": "videogames"})
    assert _ids(videogames) == [23, 22]
    board_games = client.get("/admin/products", {"q": "castle", "category": "1"})
    assert _ids(board_games) == [3, 2, 1]
    both = client.get(
        "/admin/products", {"q": "castle", "section": "books", "category": "1"}
    )
    assert _ids(both) == []
    assert "No products match" in both.text


def test_an_exact_sku_comes_first(client):
    assert _ids(client.get("/admin/products", {"q": "T-0012"})) == [12]
    assert _ids(client.get("/admin/products", {"q": "t-0012"})) == [12]
    # Outside the section chosen, the SKU is not shown.
    assert (
        _ids(client.get("/admin/products", {"q": "T-0012", "section": "store"})) == []
    )


def test_a_bad_page_number_is_refused(client):
    for page in ("0", "1001", "x"):
        response = client.get(
            "/admin/products", {"q": "castle", "page": page}, status=400
        )
        assert "page" in response.text


def test_new_products_are_found_a_page_at_a_time(console):
    """Products saved through the app are indexed after their commit; the
    search service's pages are numbered, with the total shown."""
    client, registry = console
    with registry["dbsession_factory"]() as session, session.begin():
        for n in range(54):
            session.add(
                Product(
                    sku=f"WIDGET-{n:03d}",
                    section="store",
                    category_id=1,
                    name=f"Pagination widget {n}",
                    price_minor=500,
                    currency="USD",
                    stock=1,
                    best_seller_rank=1000,
                )
            )
    new = client.get("/admin/products/new", {"section": "store"}).forms
    form = next(f for f in new.values() if f.action == "/admin/products/new")
    form["sku"] = "WIDGET-NEW"
    form["name"] = "Pagination widget, the newest"
    form["price"] = "5.00"
    form["stock"] = "3"
    assert form.submit().status_int == 303
    assert registry.getUtility(ISearchIndexer).drain(30)

    first = client.get("/admin/products", {"q": "widget"})
    assert _found(first).startswith("55 products match, newest first; page 1 of 2")
    assert len(_ids(first)) == 50
    assert first.html.select_one("a[rel=prev]") is None
    second = client.get(first.html.select_one("a[rel=next]")["href"])
    assert "page=2" in second.request.url
    assert _found(second).startswith("55 products match, newest first; page 2 of 2")
    assert len(_ids(second)) == 5
    assert not set(_ids(first)) & set(_ids(second))
    assert second.html.select_one("a[rel=next]") is None
    back = client.get(second.html.select_one("a[rel=prev]")["href"])
    assert _ids(back) == _ids(first)
    with Session(registry["db.engine"]) as session:
        newest = session.query(Product).filter_by(sku="WIDGET-NEW").one()
    assert _ids(first)[0] == newest.id

    # A price saved from page 2 returns to page 2.
    product_id = _ids(second)[0]
    quick = next(
        f
        for f in second.forms.values()
        if f.action.startswith(f"/admin/products/{product_id}/quick")
    )
    quick["price"] = "6.00"
    saved = quick.submit()
    assert saved.location.endswith("/admin/products?q=widget&page=2")


def test_imported_rows_are_found_once_the_import_returns(console):
    client, registry = console
    importer = CatalogImporter(registry)
    data = (
        b"sku,section,name,price,stock\n"
        b"IMP-1,store,Imported zeppelin,9.99,5\n"
        b"IMP-2,store,The zeppelin kit,4.50,2\n"
    )
    dbsession_factory = registry["dbsession_factory"]
    with dbsession_factory() as session:
        validation = importer.validate(session, data)
    assert not validation.errors
    importer.apply(dbsession_factory, validation.rows, "test:import")
    skus = [
        td.text
        for td in client.get("/admin/products", {"q": "zeppelin"}).html.select(
            "table.products tbody td:nth-of-type(2)"
        )
    ]
    assert sorted(skus) == ["IMP-1", "IMP-2"]


# -- when search is unavailable --------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(
    scope="module",
    params=["no index built", "no search server answers"],
)
def unavailable(request, tmp_path_factory):
    overrides = {}
    if request.param == "no search server answers":
        overrides["emporium.search.servers"] = f"http://127.0.0.1:{_closed_port()}"
    settings = catalog.build(
        tmp_path_factory.mktemp("admin-search-down"), index=False, **overrides
    )
    with _console(settings) as found:
        yield found[0]


def test_without_search_names_are_scanned_with_a_notice(unavailable):
    response = unavailable.get("/admin/products", {"q": "castle"})
    assert response.status_int == 200
    # The scan's order: by id, newest first, a page at a time by keyset.
    assert _ids(response) == [23, 22, 3, 2, 1]
    notice = response.html.select_one(".notice").text
    assert "Search is not answering" in notice and "slower" in notice
    assert _found(response) == ""
    narrowed = unavailable.get(
        "/admin/products", {"q": "castle", "section": "store", "category": "1"}
    )
    assert _ids(narrowed) == [3, 2, 1]
    assert _ids(unavailable.get("/admin/products", {"q": "T-0012"})) == [12]
    # Without a query, the list never asks search and shows no notice.
    plain = unavailable.get("/admin/products")
    assert plain.html.select_one(".notice") is None
    assert len(_ids(plain)) == len(catalog.PRODUCTS)
