"""The products a cart holds and an order takes from stock: the one module of
the cart that reads or changes the catalog's products."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from emporium.cache.invalidation import invalidate_after_commit
from emporium.database import utcnow
from emporium_cart.services.errors import ProductNotFound
from emporium_catalog.models import Product
from emporium_catalog.products import INVENTORY, product_key


def product(dbsession: Session, product_id: int) -> Product:
    """The product, read from the database; ``ProductNotFound`` if none."""
    found = dbsession.get(Product, product_id)
    if found is None:
        raise ProductNotFound(product_id)
    return found


def products(dbsession: Session, product_ids: Iterable[int]) -> dict[int, Product]:
    """The products of ``product_ids`` that exist, by id, in one query."""
    query = select(Product).where(Product.id.in_(list(product_ids)))
    return {p.id: p for p in dbsession.scalars(query)}


def take(dbsession: Session, product_id: int, quantity: int) -> bool:
    """Take ``quantity`` of a product from stock, or nothing when there is
    not that much; True when taken. The check and the decrement are one
    statement: no other transaction can slip between them."""
    return (
        dbsession.execute(
            update(Product)
            .where(Product.id == product_id, Product.stock >= quantity)
            .values(stock=Product.stock - quantity, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def stock_taken(dbsession: Session, product_ids: Iterable[int]) -> None:
    """``take`` bypasses the ORM: say which cached stock figures it made
    wrong (invalidated once the order commits)."""
    invalidate_after_commit(
        dbsession, [product_key(INVENTORY, product_id) for product_id in product_ids]
    )
