"""The console's catalog reading, without HTTP: listing products by keyset,
finding them by words through the search service. Products are written
through the catalog's ``IProductWriter``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from emporium.search.conditions import MAX_PAGE, SearchConditions, words_of
from emporium.search.interfaces import ISearch
from emporium_catalog.models import Category, Product

PAGE_SIZE = 50


@dataclass(frozen=True)
class ProductFilter:
    q: str = ""
    section: str = ""
    category_id: int | None = None


@dataclass(frozen=True)
class ProductPage:
    items: Sequence[Product]
    next: int | None  # ?after=
    previous: int | None  # ?before=


@dataclass(frozen=True)
class FoundPage:
    """A numbered page of the products a query's words found."""

    items: Sequence[Product]
    total: int
    page: int
    pages: int
    capped: bool  # more matches than the pages reach


def _like(text: str) -> str:
    return (
        "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    )


def list_products(
    dbsession: Session,
    filters: ProductFilter,
    after: int | None = None,
    before: int | None = None,
    size: int = PAGE_SIZE,
) -> ProductPage:
    """Newest first, a page at a time by keyset on the id: page 20,000 of a
    million products costs what page 1 does.

    A query matches an exact SKU or a part of the name by a scan of the
    table: the fallback of ``find_products`` when search is unavailable."""
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


def _filtered(query: Select, filters: ProductFilter) -> Select:
    if filters.section:
        query = query.where(Product.section == filters.section)
    if filters.category_id is not None:
        query = query.where(Product.category_id == filters.category_id)
    return query


def find_products(
    dbsession: Session,
    search: ISearch,
    filters: ProductFilter,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> FoundPage:
    """The products whose words (name, description, category, the section's
    searchable fields) match the query, newest first, asked of the search
    service with the section and category filters; a product whose SKU is
    the query leads the first page.

    The search service answers a page of ids and the total, so pages are
    numbered (up to ``MAX_PAGE``) rather than keyed. Raises
    ``SearchUnavailable`` when no index answers."""
    q = filters.q.strip()
    sku = {q, q.upper()}
    lead = dbsession.scalars(
        _filtered(select(Product), filters).where(Product.sku.in_(sku))
    ).first()
    if not words_of(q):
        items = [lead] if lead is not None and page == 1 else []
        return FoundPage(items, int(lead is not None), 1, 1, False)
    page = max(1, min(page, MAX_PAGE))
    result = search.search(
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
        rows = {
            p.id: p
            for p in dbsession.scalars(
                _filtered(select(Product), filters).where(Product.id.in_(result.ids))
            )
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


def categories_by_section(dbsession: Session) -> dict[str, list[Category]]:
    found: dict[str, list[Category]] = {}
    for category in dbsession.scalars(
        select(Category).order_by(Category.section, Category.position, Category.name)
    ):
        found.setdefault(category.section, []).append(category)
    return found


def details_of(dbsession: Session, section, product_id: int | None):
    if section is None or section.details_model is None or product_id is None:
        return None
    return dbsession.get(section.details_model, product_id)


def details_values(fields, row) -> dict:
    """The section's ``fields`` of ``row`` as form text."""
    values = {}
    for field in fields:
        value = getattr(row, field.name, None) if row is not None else None
        values[field.name] = "" if value is None else str(value)
    return values


def count_products(dbsession: Session) -> int:
    return dbsession.scalar(select(func.count()).select_from(Product)) or 0
