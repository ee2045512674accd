"""The catalog as search documents: what ``emporium reindex`` and the
incremental updates read (``ISearchDocuments``)."""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable, Iterable, Iterator

from pyramid.config import Configurator
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from zope.interface import implementer

from emporium.interfaces import IProductCatalog
from emporium.search.interfaces import IProductLoader, ISearchDocuments
from emporium.sections import get_sections
from emporium_catalog.models import Category, Product

_COLUMNS = (
    Product.id,
    Product.section,
    Product.category_id,
    Product.name,
    Product.description,
    Product.price_minor,
    Product.currency,
    Product.stock,
    Product.best_seller_rank,
    Product.created_at,
    Category.name.label("category"),
)


def _getter(model, name: str) -> Callable:
    """How to read a field from a row of the section's table: a column, or a
    property of the model computed from the row's columns (``age_range``)."""
    if name in model.__table__.c:
        return operator.attrgetter(name)
    attribute = inspect.getattr_static(model, name, None)
    if isinstance(attribute, property) and attribute.fget is not None:
        fget = attribute.fget

        def computed(row):
            try:
                return fget(row)
            except AttributeError:
                return None

        return computed
    return lambda row: None


@implementer(ISearchDocuments)
class CatalogSearchDocuments:
    """Products with their category's name and their section's own fields
    (from each section's ``details_model``), in batches of product ids."""

    def __init__(self, registry) -> None:
        self.registry = registry

    def count(self, dbsession: Session) -> int:
        return dbsession.scalar(select(func.count()).select_from(Product)) or 0

    def documents(
        self, dbsession: Session, ids: Iterable[int] | None = None, batch_size=5000
    ) -> Iterator[list[dict]]:
        base = select(*_COLUMNS).outerjoin(Category, Product.category_id == Category.id)
        if ids is not None:
            wanted = sorted({int(i) for i in ids})
            for start in range(0, len(wanted), batch_size):
                chunk = wanted[start : start + batch_size]
                rows = dbsession.execute(
                    base.where(Product.id.in_(chunk)).order_by(Product.id)
                ).all()
                if rows:
                    yield self._documents(dbsession, rows)
            return
        after = 0
        while True:
            rows = dbsession.execute(
                base.where(Product.id > after).order_by(Product.id).limit(batch_size)
            ).all()
            if not rows:
                return
            after = rows[-1].id
            yield self._documents(dbsession, rows)

    def _documents(self, dbsession: Session, rows) -> list[dict]:
        sections = {s.name: s for s in get_sections(self.registry)}
        by_section: dict[str, list[int]] = {}
        for row in rows:
            by_section.setdefault(row.section, []).append(row.id)
        details: dict[int, object] = {}
        for name, ids in by_section.items():
            section = sections.get(name)
            if section is None or section.details_model is None:
                continue
            table = section.details_model.__table__
            # Rows, not mapped objects: a tenth of the cost at a million. The
            # batch's ids are in order, so a key range reads them.
            query = select(*table.columns)
            if len(ids) > 1 and ids[-1] - ids[0] < 4 * len(ids) * len(sections):
                query = query.where(table.c.product_id.between(ids[0], ids[-1]))
            else:
                query = query.where(table.c.product_id.in_(ids))
            for detail in dbsession.execute(query):
                details[detail.product_id] = detail
        getters = {
            s.name: [(f, _getter(s.details_model, f.name)) for f in s.fields]
            for s in sections.values()
            if s.details_model is not None
        }
        documents = []
        documents = []
        for row in rows:
            section = sections.get(row.section)
            detail = details.get(row.id)
            fields: dict[str, object] = {}
            keywords: list[object] = []
            if section is not None and detail is not None:
                for f, get in getters[section.name]:
                    value = get(detail)
                    fields[f.name] = value
                    if f.searchable:
                        keywords.append(value)
            documents.append(
                {
                    "id": row.id,
                    "section": row.section,
                    "category_id": row.category_id,
                    "category": row.category or "",
                    "name": row.name,
                    "description": row.description,
                    "price_minor": row.price_minor,
                    "currency": row.currency,
                    "stock": row.stock,
                    "best_seller_rank": row.best_seller_rank,
                    "created_at": row.created_at,
                    "fields": fields,
                    "keywords": keywords,
                }
            )
        return documents

    def changed_since(self, dbsession: Session, when) -> list[int]:
        return list(
            dbsession.scalars(select(Product.id).where(Product.updated_at >= when))
        )

    def product_id_columns(self) -> list:
        columns = [Product.__table__.c.id]
        for section in get_sections(self.registry):
            if section.details_model is not None:
                columns.append(section.details_model.__table__.c.product_id)
        return columns

    def product_ids(self, instance) -> list[int]:
        if isinstance(instance, Product):
            return [instance.id] if instance.id is not None else []
        for section in get_sections(self.registry):
            model = section.details_model
            if model is not None and isinstance(instance, model):
                pid = getattr(instance, "product_id", None)
                return [pid] if pid is not None else []
        return []


@implementer(IProductLoader)
class ProductLoader:
    """A result page's products through the cached product façade: one
    batch, and no query at all when the cache holds them."""

    def load_many(self, request, ids) -> list:
        catalog = request.registry.getUtility(IProductCatalog)
        return [product.view() for product in catalog.load_many(ids)]


def includeme(config: Configurator) -> None:
    config.registry.registerUtility(
        CatalogSearchDocuments(config.registry), ISearchDocuments
    )
    config.registry.registerUtility(ProductLoader(), IProductLoader)
