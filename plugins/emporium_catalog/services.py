"""The SQL product repository behind ``IProductRepository``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, joinedload
from zope.interface import implementer

from emporium.errors import InvalidInput
from emporium.interfaces import IProductRepository
from emporium.sections import get_section
from emporium_catalog.models import Category, Product


@dataclass(frozen=True)
class Cursor:
    """A position in best-seller order: (rank, id) of a product."""

    rank: int
    id: int

    def __str__(self) -> str:
        return f"{self.rank}.{self.id}"

    @classmethod
    def parse(cls, field: str, value: str | None) -> Cursor | None:
        if value is None or value == "":
            return None
        rank, sep, ident = value.partition(".")
        if not sep or not rank.isdigit() or not ident.isdigit() or len(value) > 40:
            raise InvalidInput(field, "must be a page position such as 120.5031")
        return cls(int(rank), int(ident))


@dataclass(frozen=True)
class Page:
    items: Sequence[Product]
    next: Cursor | None
    previous: Cursor | None


@implementer(IProductRepository)
class SqlProductRepository:
    def __init__(self, dbsession: Session, registry) -> None:
        self.dbsession = dbsession
        self.registry = registry

    def get(self, product_id: int) -> Product | None:
        return self.dbsession.scalar(
            select(Product)
            .options(joinedload(Product.category))
            .where(Product.id == product_id)
        )

    def details(self, product: Product) -> list[tuple[str, object]]:
        """(label, value) of the section's own fields, in declared order."""
        section = get_section(self.registry, product.section)
        if section is None or section.details_model is None:
            return []
        row = self.dbsession.get(section.details_model, product.id)
        if row is None:
            return []
        return [(f.label, getattr(row, f.name, None)) for f in section.fields]

    def category_by_slug(self, slug: str) -> Category | None:
        return self.dbsession.scalar(select(Category).where(Category.slug == slug))

    def categories(self, section_name: str) -> list[Category]:
        return list(
            self.dbsession.scalars(
                select(Category)
                .where(Category.section == section_name)
                .order_by(Category.position, Category.name)
            )
        )

    def top_in_section(self, section_name: str, limit: int) -> list[Product]:
        return list(
            self.dbsession.scalars(
                select(Product)
                .where(Product.section == section_name)
                .order_by(Product.best_seller_rank, Product.id)
                .limit(limit)
            )
        )

    def category_page(
        self,
        category: Category,
        size: int,
        after: Cursor | None = None,
        before: Cursor | None = None,
    ) -> Page:
        """One page of a category in best-seller order, by keyset: the cost
        does not grow with how deep the page is, nor with the catalog."""
        key = tuple_(Product.best_seller_rank, Product.id)
        query = select(Product).where(Product.category_id == category.id)
        if before is not None:
            query = query.where(key < tuple_(before.rank, before.id)).order_by(
                Product.best_seller_rank.desc(), Product.id.desc()
            )
        else:
            if after is not None:
                query = query.where(key > tuple_(after.rank, after.id))
            query = query.order_by(Product.best_seller_rank, Product.id)
        rows = list(self.dbsession.scalars(query.limit(size + 1)))
        more = len(rows) > size
        rows = rows[:size]
        if before is not None:
            rows.reverse()
        first = Cursor(rows[0].best_seller_rank, rows[0].id) if rows else None
        last = Cursor(rows[-1].best_seller_rank, rows[-1].id) if rows else None
        if before is not None:
            return Page(rows, next=last, previous=first if more else None)
        return Page(
            rows,
            next=last if more else None,
            previous=first if after is not None else None,
        )


def repository_factory(context, request) -> SqlProductRepository:
    return SqlProductRepository(request.dbsession, request.registry)


def make_catalog(registry):
    """The application's product façade (see ``emporium_catalog.products``)."""
    from emporium.cache.interfaces import IObjectCache
    from emporium_catalog.products import ProductCatalog

    return ProductCatalog(
        registry.getUtility(IObjectCache), registry, registry["dbsession_factory"]
    )
