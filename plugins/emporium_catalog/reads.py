"""Products and categories as other plugins read them, behind
``IProductReader``: the admin's list, forms and export read here."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session
from zope.interface import implementer

from emporium.search.conditions import MAX_PAGE, SearchConditions, words_of
from emporium.search.interfaces import ISearch
from emporium.sections import get_sections
from emporium_catalog.interfaces import (
    FoundPage,
    IProductReader,
    IProductWriter,
    ProductFilter,
    ProductPage,
)
from emporium_catalog.models import Category, Product
from emporium_catalog.schema import product_text

PAGE_SIZE = 50


def _like(text: str) -> str:
    return (
        "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    )


def _filtered(query: Select, filters: ProductFilter) -> Select:
    if filters.section:
        query = query.where(Product.section == filters.section)
    if filters.category_id is not None:
        query = query.where(Product.category_id == filters.category_id)
    return query


def _keyset_page(rows: list, size: int, after, before) -> ProductPage:
    """The page of ``rows`` (one more than ``size`` when there are more)."""
    more = len(rows) > size
    rows = rows[:size]
    if before is not None:
        rows.reverse()
        return ProductPage(
            rows, rows[-1].id if rows else None, rows[0].id if rows and more else None
        )
    return ProductPage(
        rows,
        rows[-1].id if rows and more else None,
        rows[0].id if rows and after is not None else None,
    )


@implementer(IProductReader)
class ProductReader:
    """One per application (see ``IProductReader``)."""

    def __init__(self, registry) -> None:
        self.registry = registry

    # products

    def product(self, dbsession: Session, product_id: int) -> Product | None:
        return dbsession.get(Product, product_id)

    def details(self, dbsession: Session, section, product_id: int | None):
        if section is None or section.details_model is None or product_id is None:
            return None
        return dbsession.get(section.details_model, product_id)

    def page(
        self,
        dbsession: Session,
        filters: ProductFilter,
        after: int | None = None,
        before: int | None = None,
        size: int = PAGE_SIZE,
    ) -> ProductPage:
        query = _filtered(select(Product), filters)
        q = filters.q.strip()
        if q:
            query = query.where(
                or_(
                    Product.sku == q,
                    Product.sku == q.upper(),
                    Product.name.ilike(_like(q), escape="\\"),
                )
            )
        if before is not None:
            query = query.where(Product.id > before).order_by(Product.id)
        else:
            if after is not None:
                query = query.where(Product.id < after)
            query = query.order_by(Product.id.desc())
        rows = list(dbsession.scalars(query.limit(size + 1)))
        return _keyset_page(rows, size, after, before)

    def find(
        self,
        dbsession: Session,
        filters: ProductFilter,
        page: int = 1,
        size: int = PAGE_SIZE,
    ) -> FoundPage:
        # The search service answers a page of ids and the total, so pages
        # are numbered (up to MAX_PAGE) rather than keyed.
        q = filters.q.strip()
        lead = dbsession.scalars(
            _filtered(select(Product), filters).where(Product.sku.in_({q, q.upper()}))
        ).first()
        if not words_of(q):
            items = [lead] if lead is not None and page == 1 else []
            return FoundPage(items, int(lead is not None), 1, 1, False)
        page = max(1, min(page, MAX_PAGE))
        result = self.registry.getUtility(ISearch).search(
            SearchConditions(
                words=q,
                section=filters.section or None,
                category=filters.category_id,
                sort="newest",
                page=page,
                per_page=size,
            )
        )
        # The index follows the database a moment later: a product deleted or
        # moved to another section since is left out.
        rows = {}
        if result.ids:
            query = _filtered(select(Product), filters)
            rows = {
                p.id: p
                for p in dbsession.scalars(query.where(Product.id.in_(result.ids)))
            }
        items = [rows[i] for i in result.ids if i in rows]
        total = result.total
        if lead is not None:
            items = [p for p in items if p.id != lead.id]
            if page == 1:
                items.insert(0, lead)
            if lead.id not in result.ids:
                total += 1
        pages = max(1, min(math.ceil(result.total / size), MAX_PAGE))
        return FoundPage(items, total, page, pages, result.total > MAX_PAGE * size)

    def count(self, dbsession: Session) -> int:
        return dbsession.scalar(select(func.count()).select_from(Product)) or 0

    def sections_of(
        self, dbsession: Session, skus: Iterable[str]
    ) -> dict[str, tuple[int, str]]:
        skus = list(skus)
        found: dict[str, tuple[int, str]] = {}
        for start in range(0, len(skus), 500):
            query = select(Product.sku, Product.id, Product.section).where(
                Product.sku.in_(skus[start : start + 500])
            )
            for sku, ident, section in dbsession.execute(query):
                found[sku] = (ident, section)
        return found

    # categories

    def categories(self, dbsession: Session) -> dict[str, list[Category]]:
        found: dict[str, list[Category]] = {}
        for category in dbsession.scalars(
            select(Category).order_by(
                Category.section, Category.position, Category.name
            )
        ):
            found.setdefault(category.section, []).append(category)
        return found

    def category(self, dbsession: Session, category_id: int) -> Category | None:
        return dbsession.get(Category, category_id)

    def category_counts(self, dbsession: Session) -> dict[int | None, int]:
        query = select(Product.category_id, func.count()).group_by(Product.category_id)
        return dict(dbsession.execute(query).all())

    # the whole catalog

    def export(
        self, dbsession_factory: Callable[[], Session], batch: int = 1000
    ) -> Iterator[list[dict]]:
        writer = self.registry.getUtility(IProductWriter)
        sections = {s.name: s for s in get_sections(self.registry)}
        fields = {
            name: [f for f in writer.input_fields(s) if f.writable]
            for name, s in sections.items()
        }
        last = 0
        with dbsession_factory() as dbsession:
            slugs = {c.id: c.slug for c in dbsession.scalars(select(Category))}
            while True:
                query = select(Product).where(Product.id > last).order_by(Product.id)
                products = list(dbsession.scalars(query.limit(batch)))
                if not products:
                    break
                last = products[-1].id
                details = self._details_rows(dbsession, sections, products)
                records = []
                for p in products:
                    record = product_text(p) | {
                        "section": p.section,
                        "category": slugs.get(p.category_id, ""),
                    }
                    row = details.get(p.id)
                    for f in fields.get(p.section, ()):
                        value = getattr(row, f.name, None) if row is not None else None
                        record[f.name] = "" if value is None else value
                    records.append(record)
                dbsession.expunge_all()
                yield records

    @staticmethod
    def _details_rows(dbsession: Session, sections: dict, products: list) -> dict:
        """The section rows of ``products`` by product id: one query a section."""
        found: dict[int, object] = {}
        for name, section in sections.items():
            ids = [p.id for p in products if p.section == name]
            model = section.details_model
            if ids and model is not None:
                query = select(model).where(model.product_id.in_(ids))
                found.update((row.product_id, row) for row in dbsession.scalars(query))
        return found
