"""The host's object-cache store full under a browsing store: it is emptied
and filled again, and no request fails, a change made while it is full
included."""

from __future__ import annotations

import webtest
from sqlalchemy.orm import Session

from emporium import aftercommit
from emporium.cache.interfaces import IObjectCache
from emporium.cache.local import LmdbBackend
from emporium.config import configure
from emporium_catalog.models import Product
from tests.conftest import build_database, make_settings

PRODUCTS = 60


def test_a_full_store_is_emptied_and_no_request_fails(tmp_path):
    settings = make_settings(
        f"sqlite:///{tmp_path / 'store.sqlite'}",
        **{
            "cache.tiers": "memory local",
            # Room for a few dozen entries: browsing fills it many times over.
            "cache.local.arguments.map_size": str(128 << 10),
        },
    )
    build_database(settings, products=PRODUCTS)
    config = configure(dict(settings))
    config.commit()
    registry = config.registry
    app = webtest.TestApp(
        config.make_wsgi_app(), extra_environ={"HTTP_HOST": "localhost"}
    )
    (store,) = [
        tier
        for tier in registry.getUtility(IObjectCache).tiers
        if isinstance(tier, LmdbBackend)
    ]
    try:
        for _ in range(2):
            for number in range(1, PRODUCTS + 1):
                app.get(f"/products/{number}", status=200)
                app.get(f"/api/v1/products/{number}", status=200)
            app.get("/", status=200)
        assert store.emptied >= 1
        emptied = store.emptied
        with Session(registry["db.engine"]) as session:
            aftercommit.watch(session, registry)
            session.get(Product, 5).name = "Renamed while the store was full"
            session.commit()
        assert (
            app.get("/api/v1/products/5").json["name"]
            == "Renamed while the store was full"
        )
        for number in range(1, PRODUCTS + 1):
            app.get(f"/products/{number}", status=200)
        assert store.emptied > emptied  # and it goes on being refilled
    finally:
        registry["db.engine"].dispose()
