"""Which cached pages a catalog change makes wrong: the surrogate keys
purged after commit (``emporium.pagecache``).

A product's page-visible columns (name, description, image, category,
prices) purge every page showing it; its stock only when its availability
(in stock, low, sold out) changes, not on every unit sold; a product added,
removed, moved or re-ranked purges the listings it belongs to.
"""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, object_session

from emporium.cache.interfaces import IObjectCache
from emporium.cache.invalidation import pending_invalidations
from emporium.pagecache.keys import category_key, product_change_keys
from emporium.sections import get_sections
from emporium_catalog.models import Category, Product, availability_of
from emporium_catalog.products import COLUMNS, CORE, INVENTORY, PRICING

VISIBLE = frozenset(COLUMNS[CORE] + COLUMNS[PRICING])
LISTED = frozenset(("category_id", "section", "best_seller_rank"))
CATEGORY_VISIBLE = frozenset(("slug", "name", "section", "description"))


def listing_keys(categories, sections) -> list[str]:
    return [
        *(f"listing:category:{c}" for c in categories if c is not None),
        *(f"listing:section:{s}" for s in sections if s),
    ]


def _values(state, name: str) -> set:
    """The attribute's current value and the one it replaced, if any."""
    history = state.attrs[name].history
    return {*history.deleted, getattr(state.object, name)}


def product_page_keys(product: Product, registry) -> list[str]:
    if product.id is None:
        return []
    state = inspect(product)
    categories = _values(state, "category_id")
    sections = _values(state, "section")
    session = object_session(product)
    if session is not None and product in session.new:
        # Nothing cached shows it yet, except the listings it joins.
        return listing_keys(categories, sections)
    deleted = session is not None and product in session.deleted
    changed = {
        name
        for name in (*VISIBLE, *LISTED, "stock")
        if state.attrs[name].history.has_changes()
    }
    keys: list[str] = []
    visible = deleted or bool(changed & VISIBLE)
    if not visible and "stock" in changed:
        # No old value: it was not loaded, so nothing tells what pages show.
        before = state.attrs.stock.history.deleted
        visible = not before or before[0] is None
        visible = visible or availability_of(before[0]) != availability_of(
            product.stock
        )
    if visible:
        for category in categories:
            for section in sections:
                keys += product_change_keys(product.id, category, section)
    if deleted or changed & LISTED:
        keys += listing_keys(categories, sections)
    return keys


def category_page_keys(category: Category, registry) -> list[str]:
    state = inspect(category)
    sections = _values(state, "section")
    session = object_session(category)
    listed = [f"categories:{s}" for s in sections if s]
    if session is not None and category in session.new:
        return listed
    if session is not None and category in session.deleted:
        return [category_key(category.id), *listed]
    changed = {
        name
        for name in (*CATEGORY_VISIBLE, "position")
        if state.attrs[name].history.has_changes()
    }
    keys = [category_key(category.id)] if changed & CATEGORY_VISIBLE else []
    if changed & {"name", "section", "position"}:
        keys += listed
    return keys


def details_page_keys(row, registry) -> list[str]:
    """A section's own fields show on the product's page alone."""
    for section in get_sections(registry):
        if section.details_model is not None and isinstance(row, section.details_model):
            return [f"product:{row.product_id}"]
    return []


def stock_check(session: Session, registry) -> list[str]:
    """Before commit: stock changed without the ORM (checkout's conditional
    UPDATE names the inventory it made wrong) purges a product's pages only
    when its availability differs from the cached figure pages were built
    from (or when no figure is cached: nothing tells what pages show)."""
    pending = pending_invalidations(session)
    prefix = f"{INVENTORY}:"
    ids = sorted({int(k[len(prefix) :]) for k in pending or () if k.startswith(prefix)})
    if not ids:
        return []
    cache = registry.getUtility(IObjectCache)
    cached = dict(zip(ids, cache.get_many([f"{prefix}{i}" for i in ids]), strict=True))
    rows = session.execute(
        select(Product.id, Product.stock, Product.category_id, Product.section).where(
            Product.id.in_(ids)
        )
    )
    keys: list[str] = []
    for row in rows:
        before = cached.get(row.id)
        stock = before.get("stock") if isinstance(before, dict) else None
        if stock is None or availability_of(stock) != availability_of(row.stock):
            keys += product_change_keys(row.id, row.category_id, row.section)
    return keys


def includeme(config) -> None:
    from emporium.database import Base

    config.register_purge_keys(Product, product_page_keys)
    config.register_purge_keys(Category, category_page_keys)
    config.register_purge_keys(Base, details_page_keys)
    config.register_purge_check(stock_check)
