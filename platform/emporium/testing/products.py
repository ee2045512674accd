"""The catalog's products table, read by name: the kit, part of the core,
imports no plugin (the catalog plugin makes the table)."""

from __future__ import annotations

from sqlalchemy import column, func, select, table

PRODUCTS = table(
    "products",
    column("id"),
    column("sku"),
    column("section"),
    column("name"),
    column("price_minor"),
    column("currency"),
    column("stock"),
    column("category_id"),
)


def last_product_id(engine) -> int:
    """The highest product id in the database (0 when it has none)."""
    with engine.connect() as connection:
        return connection.scalar(select(func.max(PRODUCTS.c.id))) or 0


def product_id_of(engine, sku: str) -> int:
    with engine.connect() as connection:
        product_id = connection.scalar(
            select(PRODUCTS.c.id).where(PRODUCTS.c.sku == sku)
        )
    if product_id is None:
        raise AssertionError(f"no product has the SKU {sku!r}")
    return product_id


def section_product_ids(engine, section: str, limit: int) -> list[int]:
    with engine.connect() as connection:
        return list(
            connection.scalars(
                select(PRODUCTS.c.id)
                .where(PRODUCTS.c.section == section)
                .order_by(PRODUCTS.c.id)
                .limit(limit)
            )
        )
