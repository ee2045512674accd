"""The product façade: a product is read as partitions, each cached under its
own key with its own time-to-live, and handed to templates as one flat view.

- ``core``: sku, section, category, name, description, image (``products``);
- ``pricing``: price in minor units, currency (``products``);
- ``inventory``: stock (``products``);
- the section's own (``book``, ``videogame``): its fields, from its table.

Categories (``category:``) and listings (``listing:``, the ids of a category
page or a section's best sellers) are cached too, listings briefly: a warm
product or category page reads no database at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, select, tuple_
from sqlalchemy.orm import Session, object_session
from zope.interface import implementer

from emporium.cache.interfaces import IObjectCache
from emporium.cache.invalidation import invalidate
from emporium.interfaces import IProductCatalog
from emporium.money import from_minor
from emporium.pagecache.record import note as note_page
from emporium.sections import get_section, get_sections
from emporium_catalog.models import (
    Category,
    Product,
    availability_of,
    current_price_minor,
)

CORE, PRICING, INVENTORY = "core", "pricing", "inventory"
CARD = (CORE, PRICING, INVENTORY)
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


def _moment(timestamp: float | None) -> datetime | None:
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


# -- loading partitions from the database (one query per partition) ----------


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


# -- what templates see --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CategoryView:
    id: int
    slug: str
    name: str
    section: str
    description: str
    # The cached record it was made from (see emporium.cache.render).
    source: dict | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, record: dict | None) -> CategoryView | None:
        return None if record is None else cls(**record, source=record)


class ProductView:
    """One flat, read-only structure of a product for templates: attributes
    (``product.name``) and items (``product["name"]``) alike. Fields of
    partitions that were not loaded are None."""

    __slots__ = (
        "id",
        "sku",
        "section",
        "category_id",
        "name",
        "description",
        "image_url",
        "price_minor",
        "currency",
        "price",
        "stock",
        "availability",
        "category",
        "details",
        "sources",
        "changes_at",
    )

    def __init__(self, product_id: int, **fields: Any) -> None:
        self.id = product_id
        for name in self.__slots__[1:]:
            setattr(self, name, fields.get(name))

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)

    def __repr__(self) -> str:
        return f"<ProductView {self.id} {self.name!r}>"


class CatalogProduct:
    """A product as the partitions that were loaded; ``view()`` flattens it."""

    __slots__ = ("id", "partitions", "category", "section")

    def __init__(self, product_id: int, partitions: dict[str, dict]) -> None:
        self.id = product_id
        self.partitions = partitions
        self.category: dict | None = None
        self.section = None

    def __getitem__(self, partition: str) -> dict:
        return self.partitions[partition]

    @property
    def sources(self) -> tuple:
        """The cached values this product shows (see emporium.cache.render)."""
        return (*self.partitions.values(), self.category)

    @property
    def changes_at(self) -> float | None:
        """When the view changes by itself (a sale starts or ends), if ever."""
        return next_change(self.partitions.get(PRICING))

    def view(self) -> ProductView:
        fields: dict[str, Any] = {}
        for partition, values in self.partitions.items():
            if partition in COLUMNS:
                fields.update(values)
        if "price_minor" in fields:
            fields["price_minor"] = current_price_minor(
                fields["price_minor"],
                fields.pop("sale_price_minor", None),
                _moment(fields.pop("sale_starts_at", None)),
                _moment(fields.pop("sale_ends_at", None)),
            )
            fields["price"] = from_minor(fields["price_minor"], fields["currency"])
        if "stock" in fields:
            fields["availability"] = availability_of(fields["stock"])
        fields["category"] = CategoryView.of(self.category)
        section = self.section
        own = self.partitions.get(section_partition(section)) if section else None
        fields["details"] = (
            [(f.label, own.get(f.name)) for f in section.fields] if own else []
        )
        fields["sources"] = self.sources
        fields["changes_at"] = self.changes_at
        return ProductView(self.id, **fields)


@dataclass(frozen=True)
class Page:
    items: Sequence[ProductView]
    next: str | None
    previous: str | None
    source: Any = field(default=None, compare=False, repr=False)

    @property
    def sources(self) -> tuple:
        return (self.source, *(s for item in self.items for s in item.sources))

    @property
    def changes_at(self) -> float | None:
        return earliest(item.changes_at for item in self.items)


def _placed(product: CatalogProduct) -> tuple[int | None, str | None]:
    core = product.partitions.get(CORE) or {}
    return core.get("category_id"), core.get("section")


# -- the façade ----------------------------------------------------------------


@implementer(IProductCatalog)
class ProductCatalog:
    """Products through the object cache; the database only for misses.

    One instance per application. Misses are read in a short session of
    their own, never the request's: only committed data is cached, never a
    change the request has flushed but may yet roll back.
    """

    def __init__(
        self, cache: IObjectCache, registry, sessions: Callable[[], Session]
    ) -> None:
        self.cache = cache
        self.registry = registry
        self.sessions = sessions

    # products

    def _loaders(self) -> dict[str, Callable[[Session, Sequence[int]], dict]]:
        loaders: dict[str, Callable] = {
            name: (lambda db, ids, name=name: load_columns(db, name, ids))
            for name in COLUMNS
        }
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
        with self.sessions() as dbsession:
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
            if not any(part is None for part in parts):
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
            with self.sessions() as dbsession:
                category = dbsession.get(Category, category_id)
                return None if category is None else category_record(category)

        note_page((CATEGORY_PARTITION,), categories=(category_id,))
        return self.cache.get(f"category:{category_id}", make)

    def category_by_slug(self, slug: str) -> CategoryView | None:
        def make(key: str) -> dict | None:
            with self.sessions() as dbsession:
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
            with self.sessions() as dbsession:
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
            with self.sessions() as dbsession:
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
        with self.sessions() as dbsession:
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


# -- invalidation ----------------------------------------------------------------


class ProductChanged:
    """Event: these products changed outside the ORM (an import, raw SQL).

    Notify it after the commit: ``registry.notify(ProductChanged([42]))``;
    ``partitions`` narrows what is invalidated (every partition by default).
    Changes made through the ORM in a watched session need no event.
    """

    def __init__(
        self, product_ids: Iterable[int], partitions: Iterable[str] | None = None
    ) -> None:
        self.product_ids = [int(i) for i in product_ids]
        self.partitions = None if partitions is None else tuple(partitions)


def all_partitions(registry) -> list[str]:
    names = list(COLUMNS)
    for section in get_sections(registry):
        partition = section_partition(section)
        if partition is not None and partition not in names:
            names.append(partition)
    return names


def on_product_changed(event: ProductChanged, registry) -> None:
    partitions = event.partitions or all_partitions(registry)
    invalidate(
        registry, [product_key(p, i) for i in event.product_ids for p in partitions]
    )


def product_keys(product: Product, registry) -> list[str]:
    """The keys a flushed product makes wrong: the partitions whose columns
    changed (all of them when it is new or deleted)."""
    if product.id is None:
        return []
    session = object_session(product)
    if session is not None and (product in session.new or product in session.deleted):
        changed = all_partitions(registry)
    else:
        state = inspect(product)
        changed = [
            partition
            for partition, names in COLUMNS.items()
            if any(state.attrs[name].history.has_changes() for name in names)
        ]
    return [product_key(partition, product.id) for partition in changed]


def details_keys(row, registry) -> list[str]:
    for section in get_sections(registry):
        if isinstance(row, section.details_model or ()):
            return [product_key(section_partition(section), row.product_id)]
    return []


def category_keys(category: Category, registry) -> list[str]:
    state = inspect(category)
    slugs = {category.slug, *state.attrs.slug.history.deleted}
    sections = {category.section, *state.attrs.section.history.deleted}
    return [
        f"category:{category.id}",
        *(f"category:slug:{slug}" for slug in slugs if slug),
        *(f"category:section:{name}" for name in sections if name),
    ]
