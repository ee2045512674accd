"""The one write path of products and categories, behind ``IProductWriter``:
the admin's forms and CSV import, the cart's stock and any API change
products here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from zope.interface import implementer

from emporium.audit import record
from emporium.cache.invalidation import invalidate_after_commit
from emporium.database import utcnow
from emporium.purge.pages import purge_after_commit
from emporium.search.interfaces import ISearchIndexer
from emporium.sections import get_section, get_sections
from emporium_catalog.interfaces import IProductPhotos, IProductWriter
from emporium_catalog.models import Category, Product
from emporium_catalog.products import INVENTORY, product_key
from emporium_catalog.schema import (
    InputField,
    parse_details,
    parse_product,
    section_input_fields,
)

log = logging.getLogger(__name__)

BATCH = 500
# How long a bulk write waits for the search index to take in its rows.
INDEX_WAIT = 300.0


def _plain(value) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _nullable(section, name: str) -> bool:
    column = section.details_model.__table__.columns.get(name)
    return column is not None and column.nullable


def _set(dbsession: Session, row, values: dict) -> dict:
    """Set the ``values`` of ``row`` that differ (every one of a new row) and
    flush; return the changes ``{field: [old, new]}``."""
    created = row.id is None
    changes: dict = {}
    for name, value in values.items():
        old = None if created else getattr(row, name)
        if created or old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(row, name, value)
    dbsession.flush()
    return changes


@dataclass(frozen=True)
class Clash:
    """A unique value another product has, or an earlier entry of the same
    write."""

    product_id: int | None = None
    entry: int | None = None

    def message(self, entry_name: Callable[[int], str] = "entry {}".format) -> str:
        if self.product_id is not None:
            return f"product {self.product_id} already has this value"
        return f"repeats {entry_name(self.entry)}"


@implementer(IProductWriter)
class ProductWriter:
    """One per application (see ``IProductWriter``)."""

    def __init__(self, registry) -> None:
        self.registry = registry
        # Sections are fixed once the application is configured.
        self._fields: dict[str, list[InputField]] = {}

    # input

    def input_fields(self, section) -> list[InputField]:
        fields = self._fields.get(section.name)
        if fields is None:
            fields = self._fields[section.name] = section_input_fields(section)
        return fields

    def parse(
        self,
        section,
        given: Mapping,
        details: Mapping,
        categories: Mapping[int, str],
        errors: dict,
        prefix: str = "",
    ) -> tuple[dict, dict]:
        values = parse_product(given, categories, errors)
        fields = self.input_fields(section) if section is not None else []
        return values, parse_details(fields, details, errors, prefix)

    def check(
        self,
        dbsession: Session,
        section,
        values: dict,
        details: dict,
        product_id: int | None,
        errors: dict,
        prefix: str = "",
    ) -> None:
        if "sku" not in errors and values.get("sku"):
            other = dbsession.scalar(
                select(Product.id).where(Product.sku == values["sku"])
            )
            if other is not None and other != product_id:
                errors["sku"] = f"product {other} already has this SKU"
        clashes = self.unique_clashes(dbsession, section, [(product_id, details)])
        for name, clash in clashes.get(0, {}).items():
            errors[prefix + name] = clash.message()
        for name in self._missing_required(dbsession, section, details, product_id):
            errors.setdefault(prefix + name, "is required")

    def _missing_required(
        self, dbsession: Session, section, details: dict, product_id: int | None
    ) -> list[str]:
        """Fields a new details row needs but ``details`` leaves empty: the
        first save of a section's fields inserts the row whole."""
        model = section.details_model if section is not None else None
        if not details or model is None:
            return []
        if product_id is not None and dbsession.get(model, product_id) is not None:
            return []
        return [
            field.name
            for field in self.input_fields(section)
            if field.writable
            and details.get(field.name) is None
            and not _nullable(section, field.name)
            and model.__table__.columns[field.name].default is None
        ]

    def unique_clashes(
        self, dbsession: Session, section, entries: Sequence[tuple]
    ) -> dict[int, dict[str, Clash]]:
        model = section.details_model if section is not None else None
        found: dict[int, dict[str, Clash]] = {}
        for field in self.input_fields(section) if model is not None else ():
            if not field.unique:
                continue
            column = getattr(model, field.name)
            values = list({d[field.name] for _, d in entries if d.get(field.name)})
            holders: dict = {}
            for start in range(0, len(values), 500):
                query = select(column, model.product_id).where(
                    column.in_(values[start : start + 500])
                )
                holders.update(dict(dbsession.execute(query).all()))
            first: dict = {}
            for index, (product_id, details) in enumerate(entries):
                value = details.get(field.name)
                if value is None:
                    continue
                holder = holders.get(value)
                if holder is not None and holder != product_id:
                    clash = Clash(product_id=holder)
                elif value in first:
                    clash = Clash(entry=first[value])
                else:
                    first[value] = index
                    continue
                found.setdefault(index, {})[field.name] = clash
        return found

    # writes

    def _write(
        self, dbsession: Session, product: Product, section, values, details
    ) -> dict:
        """Set what differs; return the changes ``{field: [old, new]}``."""
        changes = _set(dbsession, product, values)
        if details and section.details_model is not None:
            row = dbsession.get(section.details_model, product.id)
            if row is None:
                row = section.details_model(product_id=product.id)
                dbsession.add(row)
            for name, value in details.items():
                old = getattr(row, name, None)
                if old != value and (value is not None or _nullable(section, name)):
                    changes[f"{section.name}.{name}"] = [_plain(old), _plain(value)]
                    setattr(row, name, value)
            dbsession.flush()
        return changes

    def save(
        self,
        dbsession: Session,
        product: Product | None,
        section,
        values: dict,
        details: dict,
        actor: str,
    ) -> tuple[Product, dict]:
        created = product is None
        if created:
            product = Product(section=section.name)
            dbsession.add(product)
        changes = self._write(dbsession, product, section, values, details)
        if changes:
            record(
                dbsession,
                actor,
                "product.create" if created else "product.update",
                f"product:{product.id}",
                sku=product.sku,
                changes=changes,
            )
            # In the merchandiser's name, with what the save changed: one purge.
            purge_after_commit(dbsession, [f"product:{product.id}"], actor)
        return product, changes

    def save_many(
        self,
        dbsession_factory: Callable[[], Session],
        rows: Sequence,
        actor: str,
        progress: Callable[[int], None] | None = None,
        batch: int = BATCH,
    ) -> dict:
        created = updated = 0
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            with dbsession_factory() as dbsession, dbsession.begin():
                skus = [row.values["sku"] for row in chunk]
                products = {
                    p.sku: p
                    for p in dbsession.scalars(
                        select(Product).where(Product.sku.in_(skus))
                    )
                }
                for row in chunk:
                    product = products.get(row.values["sku"])
                    if product is None:
                        product = Product(section=row.section)
                        dbsession.add(product)
                        created += 1
                    else:
                        updated += 1
                    section = get_section(self.registry, row.section)
                    self._write(dbsession, product, section, row.values, row.details)
                self._replace_photos(dbsession, chunk, actor)
            if progress is not None:
                progress(len(chunk))
        with dbsession_factory() as dbsession, dbsession.begin():
            record(
                dbsession,
                actor,
                "catalog.import",
                f"{len(rows)} rows",
                created=created,
                updated=updated,
            )
        self._wait_for_index()
        return {"created": created, "updated": updated}

    def _replace_photos(self, dbsession, rows, actor) -> None:
        """The photos rows name, in the same transaction as their products."""
        named = [row for row in rows if getattr(row, "photos", None) is not None]
        if not named:
            return
        dbsession.flush()  # new products' ids
        ids = dict(
            dbsession.execute(
                select(Product.sku, Product.id).where(
                    Product.sku.in_([row.values["sku"] for row in named])
                )
            ).all()
        )
        photos = self.registry.getUtility(IProductPhotos)
        for row in named:
            photos.replace(dbsession, ids[row.values["sku"]], row.photos, actor)

    def _wait_for_index(self, timeout: float = INDEX_WAIT) -> None:
        """Each commit queued its products for the search index in the
        background: wait for them, so that products reported written can be
        found by name, and a command does not exit with them still queued."""
        indexer = self.registry.queryUtility(ISearchIndexer)
        if indexer is not None and not indexer.drain(timeout):
            log.warning(
                "written products are still being indexed after %d s; "
                "`emporium reindex` catches up on any left out",
                timeout,
            )

    # categories

    def check_category(
        self, dbsession: Session, values: dict, category_id: int | None, errors: dict
    ) -> None:
        query = select(Category.id).where(Category.slug == values["slug"])
        other = dbsession.scalar(query)
        if other is not None and other != category_id:
            errors["slug"] = "another category has this slug"

    def save_category(
        self, dbsession: Session, category: Category | None, values: dict, actor: str
    ) -> tuple[Category, dict]:
        created = category is None
        if created:
            category = Category()
            dbsession.add(category)
        changes = _set(dbsession, category, values)
        if changes:
            record(
                dbsession,
                actor,
                "category.create" if created else "category.update",
                f"category:{category.id}",
                changes=changes,
            )
            purge_after_commit(dbsession, [f"category:{category.id}"], actor)
        return category, changes

    # stock

    def products(self, dbsession: Session, product_ids: Iterable[int]) -> dict:
        ids = list(product_ids)
        if not ids:
            return {}
        # A product of a disabled or removed section is not for sale.
        sections = [s.name for s in get_sections(self.registry)]
        return {
            p.id: p
            for p in dbsession.scalars(
                select(Product).where(
                    Product.id.in_(ids), Product.section.in_(sections)
                )
            )
        }

    def take_stock(self, dbsession: Session, product_id: int, quantity: int) -> bool:
        # The check and the decrement are one statement: no other
        # transaction can slip between them.
        taken = dbsession.execute(
            update(Product)
            .where(Product.id == product_id, Product.stock >= quantity)
            .values(stock=Product.stock - quantity, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken == 1:
            # The UPDATE bypasses the ORM: say which cached figure it made
            # wrong (invalidated once the transaction commits).
            invalidate_after_commit(dbsession, [product_key(INVENTORY, product_id)])
        return taken == 1
