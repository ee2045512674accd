"""A scheduled sale: the price due at a moment, through the model and the
cached pricing partition alike."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from emporium.cache.memory import MemoryBackend
from emporium.cache.services import ObjectCache, make_object_region
from emporium_catalog.models import Product, current_price_minor
from emporium_catalog.products import PRICING, ProductCatalog, load_columns

NOON = datetime(2026, 12, 1, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_the_sale_price_applies_from_its_start_to_its_end():
    assert current_price_minor(1000, None, None, None, NOON) == 1000
    assert current_price_minor(1000, 800, None, None, NOON) == 800
    assert current_price_minor(1000, 800, NOON, NOON + HOUR, NOON) == 800
    assert current_price_minor(1000, 800, NOON + HOUR, None, NOON) == 1000
    assert current_price_minor(1000, 800, None, NOON, NOON) == 1000
    assert current_price_minor(1000, 800, NOON - HOUR, NOON + HOUR, NOON) == 800


def _product(engine, product_id, **sale) -> None:
    with Session(engine) as session, session.begin():
        session.add(
            Product(
                id=product_id,
                sku=f"SALE-{product_id}",
                section="store",
                name="On sale",
                price_minor=5000,
                currency="USD",
                stock=3,
                **sale,
            )
        )


def test_the_store_shows_the_price_due_now(app_config, engine):
    now = datetime.now(UTC)
    _product(engine, 3_900_001, sale_price_minor=3000, sale_starts_at=now - HOUR)
    _product(engine, 3_900_002, sale_price_minor=3000, sale_starts_at=now + HOUR)
    _product(engine, 3_900_003, sale_price_minor=3000, sale_ends_at=now - HOUR)
    cache = ObjectCache(make_object_region([MemoryBackend({})]))
    catalog = ProductCatalog(cache, app_config.registry, lambda: Session(engine))
    prices = [p.price_minor for p in catalog.views([3_900_001, 3_900_002, 3_900_003])]
    assert prices == [3000, 5000, 5000]
    assert str(catalog.product_view(3_900_001).price) == "30.00"


def test_the_pricing_partition_is_json(engine):
    now = datetime.now(UTC)
    _product(engine, 3_900_004, sale_price_minor=100, sale_ends_at=now + HOUR)
    with Session(engine) as session:
        partition = load_columns(session, PRICING, [3_900_004])[3_900_004]
    assert json.loads(json.dumps(partition)) == partition
    assert partition["sale_ends_at"] == (now + HOUR).timestamp()
