"""The product façade: partitions loaded on demand, one query per partition
for the misses, a flat view for templates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium.cache.memory import MemoryBackend
from emporium.cache.services import ObjectCache, make_object_region
from emporium_bookstore.models import BookDetails
from emporium_catalog.models import Category, Product
from emporium_catalog.products import ProductCatalog, ProductView
from tests.functional.test_sql_counts import count_statements


@pytest.fixture
def session(engine):
    with Session(engine) as session:
        yield session


@pytest.fixture
def catalog(app_config, engine):
    cache = ObjectCache(make_object_region([MemoryBackend({})]))
    return ProductCatalog(cache, app_config.registry, lambda: Session(engine))


def ids(session, section: str, count: int) -> list[int]:
    return list(
        session.scalars(
            select(Product.id)
            .where(Product.section == section)
            .order_by(Product.id)
            .limit(count)
        )
    )


def test_load_reads_only_the_partitions_asked(catalog, session, engine):
    [product_id] = ids(session, "store", 1)
    with count_statements(engine) as statements:
        product = catalog.load(product_id, partitions=("pricing",))
    assert list(product.partitions) == ["pricing"]
    assert len(statements) == 1
    assert "price_minor" in statements[0]
    assert "description" not in statements[0]


def test_load_many_costs_one_query_per_partition(catalog, session, engine):
    wanted = ids(session, "store", 30)
    with count_statements(engine) as statements:
        products = catalog.load_many(wanted)
    assert [p.id for p in products] == wanted
    # core, pricing, inventory, images
    assert len(statements) == 4
    with count_statements(engine) as statements:
        catalog.load_many(wanted[::-1])
    assert statements == []


def test_missing_products_are_left_out_and_cached(catalog, session, engine):
    [product_id] = ids(session, "store", 1)
    products = catalog.load_many([987654321, product_id])
    assert [p.id for p in products] == [product_id]
    assert catalog.load(987654321) is None
    with count_statements(engine) as statements:
        assert catalog.load(987654321) is None
    assert statements == []


def test_a_page_view_is_flat_and_complete(catalog, session):
    [product_id] = ids(session, "books", 1)
    row = session.get(Product, product_id)
    book = session.get(BookDetails, product_id)
    category = session.get(Category, row.category_id)
    view = catalog.product_view(product_id)
    assert isinstance(view, ProductView)
    assert view.name == row.name
    assert view["sku"] == row.sku
    assert view.price == row.price and isinstance(view.price, Decimal)
    assert view.availability == row.availability
    assert view.category.slug == category.slug
    assert ("Author", book.author) in view.details
    assert ("Age range", book.age_range) in view.details


def test_a_card_view_has_no_details(catalog, session):
    [view] = catalog.views(ids(session, "books", 1))
    assert view.details == []
    assert view.category is None
    assert view.price is not None


def test_category_pages_follow_the_keyset(catalog, session):
    category_id = session.scalar(
        select(Product.category_id)
        .where(Product.section == "store", Product.category_id.is_not(None))
        .order_by(Product.id)
        .limit(1)
    )
    category = catalog.category_by_slug(session.get(Category, category_id).slug)
    first = catalog.category_page(category, 3)
    second = catalog.category_page(category, 3, after=_cursor(first.next))
    back = catalog.category_page(category, 3, before=_cursor(second.previous))
    assert [p.id for p in back.items] == [p.id for p in first.items]
    expected = list(
        session.scalars(
            select(Product.id)
            .where(Product.category_id == category_id)
            .order_by(Product.best_seller_rank, Product.id)
            .limit(6)
        )
    )
    assert [p.id for p in first.items + second.items] == expected


def _cursor(value: str):
    from emporium_catalog.services import Cursor

    return Cursor.parse("after", value)


def test_a_scheduled_sale_is_when_the_view_changes_by_itself():
    from emporium_catalog.products import next_change

    pricing = {"price_minor": 1000, "sale_price_minor": 800}
    assert next_change(pricing | {"sale_starts_at": 200.0}, now=100.0) == 200.0
    ends = {"sale_starts_at": 50.0, "sale_ends_at": 300.0}
    assert next_change(pricing | ends, now=100.0) == 300.0
    assert next_change(pricing | ends, now=400.0) is None
    assert next_change({"price_minor": 1000, "sale_price_minor": None}) is None
