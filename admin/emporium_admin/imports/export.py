"""The catalog as CSV, a chunk at a time: what the import reads back."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium.sections import get_sections
from emporium_admin.imports.formulas import guard
from emporium_admin.imports.validation import all_columns, section_columns
from emporium_catalog.models import Category, Product
from emporium_catalog.schema import money_text, time_text


def export_rows(dbsession_factory: Callable[[], Session], registry, batch: int = 1000):
    """The catalog as CSV text, a chunk at a time, by keyset on the id: the
    memory used does not grow with the catalog."""
    columns = all_columns(registry)
    sections = {s.name: s for s in get_sections(registry)}
    fields = section_columns(registry)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    yield buffer.getvalue().encode()
    last = 0
    with dbsession_factory() as dbsession:
        slugs = {c.id: c.slug for c in dbsession.scalars(select(Category))}
        while True:
            products = list(
                dbsession.scalars(
                    select(Product)
                    .where(Product.id > last)
                    .order_by(Product.id)
                    .limit(batch)
                )
            )
            if not products:
                break
            last = products[-1].id
            details: dict[int, object] = {}
            for name, section in sections.items():
                ids = [p.id for p in products if p.section == name]
                if ids and section.details_model is not None:
                    model = section.details_model
                    for row in dbsession.scalars(
                        select(model).where(model.product_id.in_(ids))
                    ):
                        details[row.product_id] = row
            buffer.seek(0)
            buffer.truncate()
            for p in products:
                values = {
                    "sku": p.sku,
                    "section": p.section,
                    "category": slugs.get(p.category_id, ""),
                    "name": p.name,
                    "description": p.description,
                    "image_url": p.image_url,
                    "price": money_text(p.price_minor, p.currency),
                    "currency": p.currency,
                    "stock": p.stock,
                    "best_seller_rank": p.best_seller_rank,
                    "sale_price": money_text(p.sale_price_minor, p.currency),
                    "sale_starts_at": time_text(p.sale_starts_at),
                    "sale_ends_at": time_text(p.sale_ends_at),
                }
                row = details.get(p.id)
                for f in fields.get(p.section, ()):
                    value = getattr(row, f.name, None) if row is not None else None
                    values[f.name] = "" if value is None else value
                writer.writerow([guard(values.get(c, "")) for c in columns])
            dbsession.expunge_all()
            yield buffer.getvalue().encode()
