"""What a product is cached as: its partitions, their keys, and how each is
loaded from the database (one query per partition, whatever the number of
products)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium.sections import get_sections
from emporium_catalog.models import Category, Product

CORE, PRICING, INVENTORY = "core", "pricing", "inventory"
# A product's photos (``emporium_catalog.photos``), shown on its card too.
IMAGES = "images"
CARD = (CORE, PRICING, INVENTORY, IMAGES)
PAGE = None  # every partition of the product, its section's included

# The columns of each partition that lives in ``products``.
COLUMNS = {
    CORE: ("sku", "section", "category_id", "name", "description", "image_url"),
    # A scheduled sale travels with the price; the view picks the one due.
    PRICING: (
        "price_minor",
        "currency",
        "sale_price_minor",
        "sale_starts_at",
        "sale_ends_at",
    ),
    INVENTORY: ("stock",),
}
LISTING_PARTITION = "listing"
CATEGORY_PARTITION = "category"


def moment(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def next_change(pricing: dict | None, now: float | None = None) -> float | None:
    """The next sale start or end after ``now``: the price shown changes then
    without any write."""
    if not pricing or pricing.get("sale_price_minor") is None:
        return None
    return earliest((pricing.get("sale_starts_at"), pricing.get("sale_ends_at")), now)


def earliest(moments: Iterable[float | None], now: float | None = None) -> float | None:
    now = time.time() if now is None else now
    future = [moment for moment in moments if moment is not None and moment > now]
    return min(future) if future else None


def product_key(partition: str, product_id: int) -> str:
    return f"{partition}:{product_id}"


def section_partition(section) -> str | None:
    """The partition of a section's own fields: the first it declares."""
    if section is None or section.details_model is None:
        return None
    return next(iter(section.partitions), section.name)


def load_columns(dbsession: Session, partition: str, ids: Sequence[int]) -> dict:
    names = COLUMNS[partition]
    columns = [getattr(Product, name) for name in names]
    rows = dbsession.execute(select(Product.id, *columns).where(Product.id.in_(ids)))
    # Cache entries are JSON: times travel as POSIX timestamps.
    return {
        row[0]: {
            name: value.timestamp() if isinstance(value, datetime) else value
            for name, value in zip(names, row[1:], strict=True)
        }
        for row in rows
    }


def load_details(dbsession: Session, section, ids: Sequence[int]) -> dict:
    model = section.details_model
    rows = dbsession.scalars(select(model).where(model.product_id.in_(ids)))
    return {
        row.product_id: {f.name: getattr(row, f.name, None) for f in section.fields}
        for row in rows
    }


def category_record(category: Category) -> dict:
    return {
        "id": category.id,
        "slug": category.slug,
        "name": category.name,
        "section": category.section,
        "description": category.description,
    }


def all_partitions(registry) -> list[str]:
    names = [*COLUMNS, IMAGES]
    for section in get_sections(registry):
        partition = section_partition(section)
        if partition is not None and partition not in names:
            names.append(partition)
    return names
