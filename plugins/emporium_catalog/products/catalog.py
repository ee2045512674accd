"""The product façade behind ``IProductCatalog``: products, categories and
listings through the object cache, the database only for misses."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session
from zope.interface import implementer

from emporium.cache.reading import CachedReads
from emporium.interfaces import IProductCatalog
from emporium.pagecache.record import note as note_page
from emporium.sections import get_section, get_sections
from emporium_catalog.models import Category, Product
from emporium_catalog.photos.service import load_images
from emporium_catalog.products.partitions import (
    CARD,
    CATEGORY_PARTITION,
    COLUMNS,
    CORE,
    IMAGES,
    LISTING_PARTITION,
    PAGE,
    category_record,
    earliest,
    load_columns,
    load_details,
    product_key,
    section_partition,
)
from emporium_catalog.products.views import (
    CatalogProduct,
    CategoryView,
    Page,
    ProductView,
)


def _placed(product: CatalogProduct) -> tuple[int | None, str | None]:
    core = product.partitions.get(CORE) or {}
    return core.get("category_id"), core.get("section")


@implementer(IProductCatalog)
class ProductCatalog(CachedReads):
    """Products through the object cache; the database only for misses, in a
    session of their own (see ``CachedReads``)."""

    # products

    def _loaders(self) -> dict[str, Callable[[Session, Sequence[int]], dict]]:
        loaders: dict[str, Callable] = {
            name: (lambda db, ids, name=name: load_columns(db, name, ids))
            for name in COLUMNS
        }
        loaders[IMAGES] = load_images
        for section in get_sections(self.registry):
            partition = section_partition(section)
            if partition is not None:
                loaders[partition] = lambda db, ids, s=section: load_details(db, s, ids)
        return loaders

    def _make(self, keys: list[str]) -> list:
        """Creator of missing product partitions: one query per partition."""
        wanted: dict[str, list[int]] = {}
        for key in keys:
            partition, _, ident = key.partition(":")
            wanted.setdefault(partition, []).append(int(ident))
        loaders = self._loaders()
        with self.dbsession_factory() as dbsession:
            found = {
                partition: loaders[partition](dbsession, ids)
                for partition, ids in wanted.items()
            }
        made = []
        for key in keys:
            partition, _, ident = key.partition(":")
            made.append(found[partition].get(int(ident)))
        return made

    def load_many(
        self, product_ids: Iterable[int], partitions: Sequence[str] = CARD
    ) -> list[CatalogProduct]:
        ids = list(dict.fromkeys(map(int, product_ids)))
        keys = [f"{p}:{i}" for i in ids for p in partitions]
        values = self.cache.get_many(keys, self._make)
        width = len(partitions)
        products = []
        for index, product_id in enumerate(ids):
            parts = values[index * width : (index + 1) * width]
            # None: the product (or its row in a partition) does not exist.
            if any(part is None for part in parts):
                continue
            # A product of a disabled or removed section is not shown.
            core = parts[partitions.index(CORE)] if CORE in partitions else None
            if core is None or get_section(self.registry, core["section"]):
                products.append(
                    CatalogProduct(
                        product_id, dict(zip(partitions, parts, strict=True))
                    )
                )
        # What a page built from these shows (its cache headers and keys).
        note_page(
            partitions,
            [(p.id, *_placed(p)) for p in products],
            changes_at=earliest(p.changes_at for p in products),
        )
        return products

    def load(
        self, product_id: int, partitions: Sequence[str] | None = PAGE
    ) -> CatalogProduct | None:
        found = self.load_many([product_id], CARD if partitions is None else partitions)
        if not found:
            return None
        product = found[0]
        if CORE in product.partitions:
            product.section = get_section(self.registry, product[CORE]["section"])
        if partitions is None and product.section is not None:
            own = section_partition(product.section)
            if own is not None:
                key = product_key(own, product_id)
                values = self.cache.get_many([key], self._make)
                product.partitions[own] = values[0] or {}
                note_page((own,))
        return product

    def product(self, product_id: int) -> CatalogProduct | None:
        product = self.load(product_id)
        if product is None:
            return None
        category_id = product[CORE]["category_id"]
        if category_id is not None:
            product.category = self.category(category_id)
        return product

    def product_view(self, product_id: int) -> ProductView | None:
        product = self.product(product_id)
        return None if product is None else product.view()

    def views(self, product_ids: Iterable[int]) -> list[ProductView]:
        return [product.view() for product in self.load_many(product_ids)]

    # categories

    def category(self, category_id: int) -> dict | None:
        def make(key: str) -> dict | None:
            with self.dbsession_factory() as dbsession:
                category = dbsession.get(Category, category_id)
                return None if category is None else category_record(category)

        note_page((CATEGORY_PARTITION,), categories=(category_id,))
        return self.cache.get(f"category:{category_id}", make)

    def category_by_slug(self, slug: str) -> CategoryView | None:
        def make(key: str) -> dict | None:
            with self.dbsession_factory() as dbsession:
                category = dbsession.scalar(
                    select(Category).where(Category.slug == slug)
                )
                return None if category is None else category_record(category)

        record = self.cache.get(f"category:slug:{slug}", make)
        if record is not None:
            note_page((CATEGORY_PARTITION,), categories=(record["id"],))
        return CategoryView.of(record)

    def categories(self, section_name: str) -> list[CategoryView]:
        def make(key: str) -> list[dict]:
            with self.dbsession_factory() as dbsession:
                rows = dbsession.scalars(
                    select(Category)
                    .where(Category.section == section_name)
                    .order_by(Category.position, Category.name)
                )
                return [category_record(row) for row in rows]

        records = self.cache.get(f"category:section:{section_name}", make)
        note_page(
            (CATEGORY_PARTITION,),
            categories=(r["id"] for r in records),
            keys=(f"categories:{section_name}",),
        )
        return [CategoryView.of(record) for record in records]

    # listings

    def top_in_section(self, section_name: str, limit: int) -> list[ProductView]:
        def make(key: str) -> list[int]:
            with self.dbsession_factory() as dbsession:
                return list(
                    dbsession.scalars(
                        select(Product.id)
                        .where(Product.section == section_name)
                        .order_by(Product.best_seller_rank, Product.id)
                        .limit(limit)
                    )
                )

        ids = self.cache.get(f"listing:top:{section_name}:{limit}", make)
        note_page((LISTING_PARTITION,), keys=(f"listing:section:{section_name}",))
        return self.views(ids)

    def category_page(
        self, category: CategoryView, size: int, after=None, before=None
    ) -> Page:
        position = f"b{before}" if before is not None else f"a{after or ''}"
        key = f"listing:category:{category.id}:{size}:{position}"
        listing = self.cache.get(
            key, lambda key: self._category_ids(category.id, size, after, before)
        )
        note_page((LISTING_PARTITION,), keys=(f"listing:category:{category.id}",))
        return Page(
            self.views(listing["ids"]), listing["next"], listing["previous"], listing
        )

    def _category_ids(self, category_id: int, size: int, after, before) -> dict:
        """The ids of one page in best-seller order, by keyset: the cost does
        not grow with how deep the page is, nor with the catalog."""
        rank = tuple_(Product.best_seller_rank, Product.id)
        query = select(Product.id, Product.best_seller_rank).where(
            Product.category_id == category_id
        )
        if before is not None:
            query = query.where(rank < tuple_(before.rank, before.id)).order_by(
                Product.best_seller_rank.desc(), Product.id.desc()
            )
        else:
            if after is not None:
                query = query.where(rank > tuple_(after.rank, after.id))
            query = query.order_by(Product.best_seller_rank, Product.id)
        with self.dbsession_factory() as dbsession:
            rows = list(dbsession.execute(query.limit(size + 1)))
        more = len(rows) > size
        rows = rows[:size]
        if before is not None:
            rows.reverse()
        first = f"{rows[0][1]}.{rows[0][0]}" if rows else None
        last = f"{rows[-1][1]}.{rows[-1][0]}" if rows else None
        if before is not None:
            following, preceding = last, (first if more else None)
        else:
            following = last if more else None
            preceding = first if after is not None else None
        return {
            "ids": [row[0] for row in rows],
            "next": following,
            "previous": preceding,
        }
