"""What a change makes wrong in the object cache: the keys of the partitions
a flushed product or category changed, and ``ProductChanged`` for changes
made outside the ORM."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, object_session

from emporium.cache.invalidation import invalidate
from emporium.sections import get_sections
from emporium_catalog.models import Category, Product
from emporium_catalog.products.partitions import (
    COLUMNS,
    all_partitions,
    product_key,
    section_partition,
)


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


def on_product_changed(event: ProductChanged, registry) -> None:
    partitions = event.partitions or all_partitions(registry)
    invalidate(
        registry, [product_key(p, i) for i in event.product_ids for p in partitions]
    )


def on_schema_migrated(event) -> None:
    """A plugin's schema moved: the cached fields of its sections' products
    are invalidated (the products stay in the catalog's table meanwhile)."""
    registry = event.registry
    sections = [
        section
        for section in get_sections(registry)
        if section.details_model is not None
        and section.details_model.__module__.split(".", 1)[0] == event.unit
    ]
    for section in sections:
        partition = section_partition(section)
        with Session(registry["db.engine"]) as dbsession:
            ids = list(
                dbsession.scalars(
                    select(Product.id).where(Product.section == section.name)
                )
            )
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            invalidate(registry, [product_key(partition, i) for i in chunk])


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
