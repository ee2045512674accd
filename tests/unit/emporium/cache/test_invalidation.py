"""Keys collected at flush are invalidated after commit, never on rollback."""

from __future__ import annotations

import pytest
from dogpile.cache.api import NO_VALUE
from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium.aftercommit import watch
from emporium.cache.interfaces import IObjectCache
from emporium.cache.invalidation import CacheKeysInvalidated, invalidate_after_commit
from emporium_bookstore.models import BookDetails
from emporium_catalog.models import Product
from emporium_catalog.products import ProductChanged

PARTITIONS = ("core", "pricing", "inventory")


@pytest.fixture
def registry(app_config):
    return app_config.registry


@pytest.fixture
def cache(registry):
    cache = registry.getUtility(IObjectCache)
    yield cache
    # These tests plant markers in the shared app's cache: leave none behind.
    cache.backend.clear()


@pytest.fixture
def session(engine, registry):
    with Session(engine) as session:
        watch(session, registry)
        yield session


def cached(cache, product_id: int) -> dict:
    keys = [f"{p}:{product_id}" for p in PARTITIONS]
    return {key.split(":")[0]: cache.get(key) for key in keys}


def warm(cache, product_id: int) -> None:
    cache.set_many({f"{p}:{product_id}": "cached" for p in PARTITIONS})


def test_a_commit_invalidates_the_partitions_it_changed(session, cache):
    product = session.scalar(select(Product).order_by(Product.id).limit(1))
    warm(cache, product.id)
    price = product.price_minor
    product.price_minor = price + 100
    session.flush()
    assert cached(cache, product.id)["pricing"] == "cached", "not before the commit"
    session.commit()
    try:
        assert cached(cache, product.id) == {
            "core": "cached",
            "pricing": NO_VALUE,
            "inventory": "cached",
        }
    finally:
        product.price_minor = price
        session.commit()


def test_a_rollback_invalidates_nothing(session, cache):
    product = session.scalar(select(Product).order_by(Product.id).limit(1))
    warm(cache, product.id)
    product.stock = product.stock + 1
    product.name = "Renamed"
    session.flush()
    session.rollback()
    assert cached(cache, product.id) == dict.fromkeys(PARTITIONS, "cached")


def test_a_section_table_invalidates_its_partition(session, cache):
    book = session.scalar(select(BookDetails).limit(1))
    cache.set_many({f"book:{book.product_id}": "cached"})
    author = book.author
    book.author = "Someone Else"
    session.commit()
    try:
        assert cache.get(f"book:{book.product_id}") is NO_VALUE
    finally:
        book.author = author
        session.commit()


def test_keys_named_by_hand_wait_for_the_commit(session, cache):
    cache.set_many({"listing:top:books:12": [1, 2]})
    invalidate_after_commit(session, ["listing:top:books:12"])
    session.rollback()
    assert cache.get("listing:top:books:12") == [1, 2]
    invalidate_after_commit(session, ["listing:top:books:12"])
    session.execute(select(1))
    session.commit()
    assert cache.get("listing:top:books:12") is NO_VALUE


def test_the_event_names_what_was_invalidated(session, app_config, cache):
    heard: list[CacheKeysInvalidated] = []
    app_config.registry.registerHandler(heard.append, (CacheKeysInvalidated,))
    try:
        invalidate_after_commit(session, ["core:1"])
        session.execute(select(1))
        session.commit()
    finally:
        app_config.registry.unregisterHandler(heard.append, (CacheKeysInvalidated,))
    assert [event.keys for event in heard] == [["core:1"]]


def test_product_changed_invalidates_every_partition(registry, cache, session):
    product_id = session.scalar(select(Product.id).where(Product.section == "books"))
    warm(cache, product_id)
    cache.set_many({f"book:{product_id}": "cached"})
    registry.notify(ProductChanged([product_id]))
    assert set(cached(cache, product_id).values()) == {NO_VALUE}
    assert cache.get(f"book:{product_id}") is NO_VALUE
