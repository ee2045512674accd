"""A shopper's cart: its lines, their prices now, and what happens to it when
the shopper logs in or their session ends."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from zope.interface import implementer

from emporium.database import utcnow
from emporium.errors import Conflict
from emporium.money import from_minor
from emporium_cart.interfaces import ICartService
from emporium_cart.models import MAX_QUANTITY, Cart, CartLine
from emporium_cart.services.errors import (
    NotInCart,
    OutOfStock,
    ProductNotFound,
    shortage,
)

FREE_SHIPPING_FROM_MINOR = 5000
SHIPPING_MINOR = 499


@dataclass(frozen=True)
class Owner:
    """Whose cart: the session's, or the logged-in customer's."""

    session_id: str | None
    user_id: int | None

    @property
    def scope(self) -> str:
        return f"user:{self.user_id}" if self.user_id else f"session:{self.session_id}"


@dataclass(frozen=True)
class CartView:
    lines: list[dict]
    count: int
    currency: str
    subtotal: Decimal
    shipping: Decimal
    total: Decimal


def totals(subtotal_minor: int) -> tuple[int, int]:
    """``(shipping, total)`` in minor units for a subtotal."""
    shipping = (
        0
        if subtotal_minor == 0 or subtotal_minor >= FREE_SHIPPING_FROM_MINOR
        else SHIPPING_MINOR
    )
    return shipping, subtotal_minor + shipping


def flush_or_retry(dbsession: Session) -> None:
    """Flush; a concurrent request that wrote the same unique row first
    makes this one fail its constraint: the request is retried, and finds
    theirs (a double click adds twice, never a 500)."""
    try:
        dbsession.flush()
    except IntegrityError as exc:
        from pyramid_retry import mark_error_retryable

        mark_error_retryable(exc)
        raise


def _owned_by(owner: Owner):
    """The condition on ``Cart`` that finds ``owner``'s cart, or None."""
    if owner.user_id:
        return Cart.user_id == owner.user_id
    if owner.session_id:
        return Cart.session_id == owner.session_id
    return None


def _check_stock(product, quantity: int) -> None:
    if quantity > product.stock:
        raise OutOfStock([shortage(product, quantity)])


@implementer(ICartService)
class CartService:
    """``products`` is the catalog's ``IProductWriter``: the cart reads
    products (their stock, their price now) in its own database session.

    One instance serves one request: a cart and a product are read once
    however many times the request asks for them (an add reads the cart,
    answers with it and counts it for the header's cookie)."""

    def __init__(self, dbsession: Session, products) -> None:
        self.dbsession = dbsession
        self.products = products
        self._carts: dict[Owner, Cart | None] = {}
        self._products: dict[int, object] = {}

    def find(self, owner: Owner, lock: bool = False) -> Cart | None:
        mine = _owned_by(owner)
        if mine is None:
            return None
        query = select(Cart).where(mine)
        if lock:
            # The lines come by their own query: a row lock cannot cover the
            # nullable side of an outer join.
            return self.dbsession.scalar(query.with_for_update())
        if owner not in self._carts:
            # The cart's row and its lines in one statement.
            found = self.dbsession.scalars(query.options(joinedload(Cart.lines)))
            self._carts[owner] = found.unique().one_or_none()
        return self._carts[owner]

    def get_or_create(self, owner: Owner) -> Cart:
        cart = self.find(owner)
        if cart is None:
            cart = Cart(
                session_id=None if owner.user_id else owner.session_id,
                user_id=owner.user_id,
            )
            self.dbsession.add(cart)
            flush_or_retry(self.dbsession)
            self._carts[owner] = cart
        return cart

    def _products_of(self, product_ids: list[int]) -> dict:
        """The products for sale among ``product_ids``, each read once a
        request."""
        missing = [i for i in product_ids if i not in self._products]
        if missing:
            found = self.products.products(self.dbsession, missing)
            self._products.update({i: found.get(i) for i in missing})
        return {i: self._products[i] for i in product_ids if self._products[i]}

    def product(self, product_id: int):
        found = self._products_of([product_id]).get(product_id)
        if found is None:
            raise ProductNotFound(product_id)
        return found

    def add(self, owner: Owner, product_id: int, quantity: int) -> Cart:
        found = self.find(owner)
        # The product and those already in the cart, which the answer shows,
        # in one query.
        self._products_of(
            [product_id, *(li.product_id for li in found.lines)]
            if found
            else [product_id]
        )
        product = self.product(product_id)
        cart = self.get_or_create(owner)
        line = next((li for li in cart.lines if li.product_id == product_id), None)
        total = quantity + (line.quantity if line else 0)
        if total > MAX_QUANTITY:
            raise Conflict(f"at most {MAX_QUANTITY} of one product fit in a cart")
        _check_stock(product, total)
        if line is None:
            cart.lines.append(CartLine(product_id=product_id, quantity=quantity))
        else:
            line.quantity = total
        cart.updated_at = utcnow()
        flush_or_retry(self.dbsession)
        return cart

    def set_quantity(self, owner: Owner, product_id: int, quantity: int) -> Cart:
        cart = self.find(owner)
        line = (
            next((li for li in cart.lines if li.product_id == product_id), None)
            if cart
            else None
        )
        if line is None:
            raise NotInCart(product_id)
        if quantity == 0:
            cart.lines.remove(line)
        else:
            _check_stock(self.product(product_id), quantity)
            line.quantity = quantity
        cart.updated_at = utcnow()
        self.dbsession.flush()
        return cart

    def remove(self, owner: Owner, product_id: int) -> Cart:
        return self.set_quantity(owner, product_id, 0)

    def drop_anonymous(self, session_id: str) -> None:
        self._carts.clear()
        self.dbsession.execute(
            delete(Cart)
            .where(Cart.session_id == session_id, Cart.user_id.is_(None))
            .execution_options(synchronize_session=False)
        )

    def view(self, cart: Cart | None) -> CartView:
        lines: list[dict] = []
        subtotal_minor = 0
        if cart is not None and cart.lines:
            found = self._products_of([line.product_id for line in cart.lines])
            now = utcnow()
            for line in cart.lines:
                product = found[line.product_id]
                unit_minor = product.current_price_minor(now)
                subtotal_minor += unit_minor * line.quantity
                lines.append(
                    {
                        "product_id": product.id,
                        "name": product.name,
                        "sku": product.sku,
                        "image_url": product.image_url,
                        "quantity": line.quantity,
                        "unit_price": from_minor(unit_minor, product.currency),
                        "line_total": from_minor(
                            unit_minor * line.quantity, product.currency
                        ),
                        "currency": product.currency,
                        "stock": product.stock,
                        "availability": product.availability,
                    }
                )
        currency = lines[0]["currency"] if lines else "USD"
        shipping_minor, total_minor = totals(subtotal_minor)
        return CartView(
            lines=lines,
            count=sum(line["quantity"] for line in lines),
            currency=currency,
            subtotal=from_minor(subtotal_minor, currency),
            shipping=from_minor(shipping_minor, currency),
            total=from_minor(total_minor, currency),
        )

    def count(self, owner: Owner) -> int:
        if owner in self._carts:
            cart = self._carts[owner]
            return sum(line.quantity for line in cart.lines) if cart else 0
        mine = _owned_by(owner)
        if mine is None:
            return 0
        return self.dbsession.scalar(
            select(func.coalesce(func.sum(CartLine.quantity), 0))
            .join(Cart, Cart.id == CartLine.cart_id)
            .where(mine)
        )

    def attach_to_user(self, session_id: str | None, user_id: int) -> None:
        self._carts.clear()
        anonymous = (
            self.dbsession.scalar(select(Cart).where(Cart.session_id == session_id))
            if session_id
            else None
        )
        if anonymous is None:
            return
        mine = self.dbsession.scalar(select(Cart).where(Cart.user_id == user_id))
        if mine is None:
            anonymous.session_id = None
            anonymous.user_id = user_id
        else:
            for line in list(anonymous.lines):
                existing = next(
                    (li for li in mine.lines if li.product_id == line.product_id), None
                )
                if existing is None:
                    mine.lines.append(
                        CartLine(product_id=line.product_id, quantity=line.quantity)
                    )
                else:
                    existing.quantity = min(
                        MAX_QUANTITY, existing.quantity + line.quantity
                    )
            self.dbsession.delete(anonymous)
        self.dbsession.flush()
