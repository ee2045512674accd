"""The host's object-cache store full under a browsing store: it is emptied
and filled again, and no request fails, a change made while it is full
included; nor do the reader slots and pinned pages of killed workers."""

from __future__ import annotations

import os
import signal

import webtest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emporium import aftercommit
from emporium.cache.interfaces import IObjectCache
from emporium.cache.local import LmdbBackend
from emporium.config import configure
from emporium_cart.models import Order
from emporium_catalog.models import Product
from tests.conftest import build_database, make_settings
from tests.functional.test_api_checkout import Shopper

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


def _app_with_store(tmp_path, **cache):
    settings = make_settings(
        f"sqlite:///{tmp_path / 'store.sqlite'}",
        **{"cache.tiers": "memory local", **cache},
    )
    build_database(settings, products=PRODUCTS)
    config = configure(dict(settings))
    config.commit()
    app = webtest.TestApp(
        config.make_wsgi_app(), extra_environ={"HTTP_HOST": "localhost"}
    )
    (store,) = [
        tier
        for tier in config.registry.getUtility(IObjectCache).tiers
        if isinstance(tier, LmdbBackend)
    ]
    return app, store, config.registry


def _killed_readers(store: LmdbBackend, count: int) -> None:
    """``count`` processes of the host open the store, begin a read and are
    killed with -9 while reading: their reader slots stay taken, and the
    snapshot each read pins keeps its pages from being reused."""
    children = []
    for _ in range(count):
        ready, told = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                txn = store.env.begin()
                txn.get(b"~invalidated")
                os.write(told, b"1")
                signal.pause()
            finally:
                os._exit(0)
        assert os.read(ready, 1) == b"1"
        os.close(ready)
        os.close(told)
        children.append(pid)
    for pid in children:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_a_full_store_pinned_by_a_killed_reader_fails_no_checkout(tmp_path):
    app, store, registry = _app_with_store(
        tmp_path, **{"cache.local.arguments.map_size": str(128 << 10)}
    )
    try:
        app.get("/products/1", status=200)
        _killed_readers(store, 1)
        for number in range(1, PRODUCTS + 1):
            app.get(f"/products/{number}", status=200)
            app.get(f"/api/v1/products/{number}", status=200)
        shopper = Shopper(app)
        for number in (3, 4):
            shopper.add(number)
            shopper.checkout()  # 201: the stock's invalidations find it full
            app.get(f"/api/v1/products/{number}", status=200)
        assert store.emptied >= 1
        with Session(registry["db.engine"]) as session:
            assert session.scalar(select(func.count()).select_from(Order)) == 2
    finally:
        registry["db.engine"].dispose()


def test_a_reader_table_filled_by_killed_workers_fails_no_request(tmp_path):
    app, store, registry = _app_with_store(
        tmp_path, **{"cache.local.arguments.max_readers": "4"}
    )
    try:
        app.get("/products/1", status=200)
        _killed_readers(store, 4)
        for number in range(1, 6):
            app.get(f"/products/{number}", status=200)
        shopper = Shopper(app)
        shopper.add(2)
        shopper.checkout()
        assert store.skipped == 0, "the slots were freed, not done without"
    finally:
        registry["db.engine"].dispose()
