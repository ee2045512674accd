"""The emergency purge shows each proxy's answer, whatever the purger."""

from __future__ import annotations

import pytest
import webtest
from sqlalchemy.orm import Session

from emporium.accounts.services import create_user
from emporium.config import configure
from emporium.interfaces import IPasswordHasher, IPurger, PurgeResult


class TwoProxies:
    """Two proxies: the first purges, the second is down."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def _answer(self, kind, targets, actor):
        self.calls.append((kind, list(targets), actor))
        return [
            result
            for target in targets
            for result in (
                PurgeResult("varnish-a", target, True, "200 Purged"),
                PurgeResult("varnish-b", target, False, "connection refused"),
            )
        ]

    def purge_urls(self, urls, actor):
        return self._answer("urls", urls, actor)

    def purge_keys(self, keys, actor):
        return self._answer("keys", keys, actor)

    def purge_prefix(self, prefix, actor):
        return self._answer("prefix", [prefix], actor)


@pytest.fixture(scope="module")
def purger_app(app_settings):
    config = configure(dict(app_settings))
    config.commit()
    purger = TwoProxies()
    config.registry.registerUtility(purger, IPurger)
    hasher = config.registry.getUtility(IPasswordHasher)
    with Session(config.registry["db.engine"]) as session, session.begin():
        create_user(
            session,
            hasher,
            "proxies@example.com",
            "merchandiser password",
            roles="merchandiser",
        )
    client = webtest.TestApp(
        config.make_wsgi_app(), extra_environ={"HTTP_HOST": "localhost:6543"}
    )
    form = client.get("/admin/login").forms[0]
    form["email"] = "proxies@example.com"
    form["password"] = "merchandiser password"
    form.submit()
    return client, purger


def test_each_proxy_answer_is_shown(purger_app):
    client, purger = purger_app
    preview = client.get("/admin/purge", {"mode": "url", "target": "/videogames/"})
    form = next(
        f
        for f in preview.forms.values()
        if f.method.upper() == "POST" and f.action == "/admin/purge"
    )
    page = form.submit()
    rows = [tr.text for tr in page.html.select(".purge-results tbody tr")]
    assert len(rows) == 2
    assert "varnish-a" in rows[0] and "200 Purged" in rows[0]
    assert "varnish-b" in rows[1] and "connection refused" in rows[1]
    assert page.html.select(".purge-results tr.failed")
    assert purger.calls[-1] == ("urls", ["/videogames/"], purger.calls[-1][2])
    assert purger.calls[-1][2].endswith("proxies@example.com")


def test_a_prefix_is_one_ban(purger_app):
    client, purger = purger_app
    preview = client.get("/admin/purge", {"mode": "prefix", "target": "/books/"})
    form = next(
        f
        for f in preview.forms.values()
        if f.method.upper() == "POST" and f.action == "/admin/purge"
    )
    form.submit()
    kind, targets, _ = purger.calls[-1]
    assert kind == "prefix" and targets == ["/books/"]


def test_saving_a_price_purges_with_the_merchandisers_name(
    purger_app, engine, make_product
):
    from emporium_catalog.models import Product

    client, purger = purger_app
    # A product of our own: no other test sees its new price.
    with Session(engine) as session:
        product = session.get(Product, make_product())
    page = client.get("/admin/products", {"q": product.sku})
    form = next(
        f
        for f in page.forms.values()
        if f.action.startswith(f"/admin/products/{product.id}/quick")
    )
    before = len([c for c in purger.calls if c[0] == "keys"])
    form["price"] = "77.00"
    form.submit()
    calls = [c for c in purger.calls if c[0] == "keys"]
    # One purge for the save: the product's pages and the listings that show
    # it, in the merchandiser's name.
    assert len(calls) == before + 1
    _, keys, actor = calls[-1]
    assert f"product:{product.id}" in keys
    assert actor.endswith("proxies@example.com")


def test_saving_a_category_purges_it_with_the_merchandisers_name(purger_app, engine):
    from sqlalchemy import select

    from emporium_catalog.models import Category

    client, purger = purger_app
    page = client.get("/admin/categories")
    form = next(f for f in page.forms.values() if f.action == "/admin/categories")
    form["name"] = "Purged Kites"
    form["section"] = "store"
    form.submit(status=303)
    with Session(engine) as session:
        category = session.scalars(
            select(Category).where(Category.name == "Purged Kites")
        ).one()
    _, keys, actor = [c for c in purger.calls if c[0] == "keys"][-1]
    assert f"category:{category.id}" in keys
    assert actor.endswith("proxies@example.com")
