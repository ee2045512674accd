"""Cart and checkout.

Checkout guarantees, on SQLite and PostgreSQL alike:
- stock is taken with one conditional UPDATE per line
  (``stock = stock - q WHERE stock >= q``) in the order's transaction, so two
  shoppers can never buy the same last unit, and stock never goes below zero;
- a sold-out line, a declined card or any error aborts the whole
  transaction: no order, no stock taken, the cart kept;
- an idempotency key (the API's header, the checkout form's token) is
  inserted first, under a unique constraint, in the same transaction: a
  repeated or concurrent submission finds it and gets the same order back.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from emporium.cache.invalidation import invalidate_after_commit
from emporium.database import utcnow
from emporium.errors import Conflict, EmporiumError
from emporium.money import from_minor
from emporium_cart.models import (
    MAX_QUANTITY,
    Cart,
    CartLine,
    IdempotencyRecord,
    Order,
    OrderLine,
)
from emporium_cart.schemas import CheckoutDetails
from emporium_catalog.models import Product
from emporium_catalog.products import INVENTORY, product_key

ORDER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
FREE_SHIPPING_FROM_MINOR = 5000
SHIPPING_MINOR = 499


class ProductNotFound(EmporiumError):
    status = 404

    def __init__(self, product_id: int) -> None:
        super().__init__(f"product {product_id} does not exist")
        self.field = "product_id"
        self.message = f"product {product_id} does not exist"


class NotInCart(EmporiumError):
    status = 404

    def __init__(self, product_id: int) -> None:
        super().__init__(f"product {product_id} is not in the cart")
        self.field = "product_id"
        self.message = f"product {product_id} is not in the cart"


class OutOfStock(Conflict):
    """Some lines cannot be had in the quantity asked; ``lines`` says which."""

    def __init__(self, lines: list[dict]) -> None:
        names = ", ".join(
            f"{line['name']} ({line['available']} left)" for line in lines
        )
        super().__init__(f"not enough stock for: {names}")
        self.lines = lines


class IdempotencyKeyReused(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was already used for a different checkout"
        )


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


def _totals(subtotal_minor: int) -> tuple[int, int]:
    shipping = (
        0
        if subtotal_minor == 0 or subtotal_minor >= FREE_SHIPPING_FROM_MINOR
        else SHIPPING_MINOR
    )
    return shipping, subtotal_minor + shipping


class CartService:
    def __init__(self, dbsession: Session) -> None:
        self.dbsession = dbsession

    def find(self, owner: Owner, lock: bool = False) -> Cart | None:
        if owner.user_id:
            query = select(Cart).where(Cart.user_id == owner.user_id)
        elif owner.session_id:
            query = select(Cart).where(Cart.session_id == owner.session_id)
        else:
            return None
        if lock:
            query = query.with_for_update()
        return self.dbsession.scalar(query)

    def _flush(self) -> None:
        """Flush; a concurrent request that created the same cart or line
        first makes this one fail a unique constraint: retry it, when it
        will find theirs (a double click adds twice, never a 500)."""
        try:
            self.dbsession.flush()
        except IntegrityError as exc:
            from pyramid_retry import mark_error_retryable

            mark_error_retryable(exc)
            raise

    def get_or_create(self, owner: Owner) -> Cart:
        cart = self.find(owner)
        if cart is None:
            cart = Cart(
                session_id=None if owner.user_id else owner.session_id,
                user_id=owner.user_id,
            )
            self.dbsession.add(cart)
            self._flush()
        return cart

    def _product(self, product_id: int) -> Product:
        product = self.dbsession.get(Product, product_id)
        if product is None:
            raise ProductNotFound(product_id)
        return product

    @staticmethod
    def _check_stock(product: Product, quantity: int) -> None:
        if quantity > product.stock:
            raise OutOfStock(
                [
                    {
                        "product_id": product.id,
                        "name": product.name,
                        "requested": quantity,
                        "available": product.stock,
                    }
                ]
            )

    def add(self, owner: Owner, product_id: int, quantity: int) -> Cart:
        product = self._product(product_id)
        cart = self.get_or_create(owner)
        line = next((li for li in cart.lines if li.product_id == product_id), None)
        total = quantity + (line.quantity if line else 0)
        if total > MAX_QUANTITY:
            raise Conflict(f"at most {MAX_QUANTITY} of one product fit in a cart")
        self._check_stock(product, total)
        if line is None:
            cart.lines.append(CartLine(product_id=product_id, quantity=quantity))
        else:
            line.quantity = total
        cart.updated_at = utcnow()
        self._flush()
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
            self._check_stock(self._product(product_id), quantity)
            line.quantity = quantity
        cart.updated_at = utcnow()
        self.dbsession.flush()
        return cart

    def remove(self, owner: Owner, product_id: int) -> Cart:
        return self.set_quantity(owner, product_id, 0)

    def drop_anonymous(self, session_id: str) -> None:
        """Delete the anonymous cart of ``session_id`` (its lines go with it)."""
        self.dbsession.execute(
            delete(Cart)
            .where(Cart.session_id == session_id, Cart.user_id.is_(None))
            .execution_options(synchronize_session=False)
        )

    def view(self, cart: Cart | None) -> CartView:
        lines: list[dict] = []
        subtotal_minor = 0
        if cart is not None and cart.lines:
            ids = [line.product_id for line in cart.lines]
            products = {
                p.id: p
                for p in self.dbsession.scalars(
                    select(Product).where(Product.id.in_(ids))
                )
            }
            now = utcnow()
            for line in cart.lines:
                product = products[line.product_id]
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
        shipping_minor, total_minor = _totals(subtotal_minor)
        return CartView(
            lines=lines,
            count=sum(line["quantity"] for line in lines),
            currency=currency,
            subtotal=from_minor(subtotal_minor, currency),
            shipping=from_minor(shipping_minor, currency),
            total=from_minor(total_minor, currency),
        )

    def count(self, owner: Owner) -> int:
        cart = self.find(owner)
        return sum(line.quantity for line in cart.lines) if cart else 0

    def attach_to_user(self, session_id: str | None, user_id: int) -> None:
        """On login: the session's cart becomes (or joins) the customer's."""
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


def fingerprint(details: CheckoutDetails) -> str:
    """What a repeated submission must match to count as the same checkout."""
    payload = {
        "email": details.email,
        "name": details.name,
        "address": details.address,
        "card": details.card["number"][-4:],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def new_order_number() -> str:
    return "EM-" + "".join(secrets.choice(ORDER_ALPHABET) for _ in range(8))


class CheckoutService:
    def __init__(
        self, dbsession: Session, gateway, transaction_manager, counters=None
    ) -> None:
        self.dbsession = dbsession
        self.gateway = gateway
        self.tm = transaction_manager
        # (orders, revenue in minor units): counted once the order commits.
        self.counters = counters

    def replay(self, owner: Owner, key: str, print_: str) -> Order | None:
        record = self.dbsession.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.scope == owner.scope, IdempotencyRecord.key == key
            )
        )
        if record is None:
            return None
        if record.fingerprint != print_:
            raise IdempotencyKeyReused()
        return self.dbsession.get(Order, record.order_id)

    def place_order(
        self, owner: Owner, details: CheckoutDetails, key: str | None
    ) -> tuple[Order, bool]:
        """Return ``(order, replayed)``; ``replayed`` when ``key`` was seen."""
        print_ = fingerprint(details)
        record = None
        if key:
            existing = self.replay(owner, key, print_)
            if existing is not None:
                return existing, True
            record = IdempotencyRecord(scope=owner.scope, key=key, fingerprint=print_)
            self.dbsession.add(record)
            try:
                # First, so that a concurrent duplicate waits here on the
                # unique constraint, then fails and is retried as a replay.
                self.dbsession.flush()
            except IntegrityError as exc:
                from pyramid_retry import mark_error_retryable

                mark_error_retryable(exc)
                raise

        # The cart's row is locked for the order's transaction: a second
        # checkout of the same cart (another tab, a retry without a key) waits
        # here, then finds it empty.
        cart = CartService(self.dbsession).find(owner, lock=True)
        if cart is None or not cart.lines:
            raise Conflict("the cart is empty")
        lines = sorted(cart.lines, key=lambda line: line.product_id)
        products = {
            p.id: p
            for p in self.dbsession.scalars(
                select(Product).where(Product.id.in_([li.product_id for li in lines]))
            )
        }
        currencies = {products[li.product_id].currency for li in lines}
        if len(currencies) != 1:
            raise Conflict("a cart cannot mix currencies")
        currency = currencies.pop()

        short = []
        for line in lines:
            # The stock check and the decrement are one statement: no other
            # transaction can slip between them.
            taken = self.dbsession.execute(
                update(Product)
                .where(Product.id == line.product_id, Product.stock >= line.quantity)
                .values(stock=Product.stock - line.quantity, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                product = products[line.product_id]
                self.dbsession.refresh(product, ["stock"])
                short.append(
                    {
                        "product_id": product.id,
                        "name": product.name,
                        "requested": line.quantity,
                        "available": product.stock,
                    }
                )
        if short:
            raise OutOfStock(short)
        # The conditional UPDATE bypasses the ORM: say which cached stock
        # figures it made wrong (invalidated once the order commits).
        invalidate_after_commit(
            self.dbsession, [product_key(INVENTORY, li.product_id) for li in lines]
        )

        # One "now" for the whole order: a sale ending mid-checkout cannot
        # price two lines differently.
        now = utcnow()
        prices = {pid: p.current_price_minor(now) for pid, p in products.items()}
        subtotal_minor = sum(prices[li.product_id] * li.quantity for li in lines)
        shipping_minor, total_minor = _totals(subtotal_minor)
        number = new_order_number()
        order = Order(
            number=number,
            status="paid",
            user_id=owner.user_id,
            session_id=owner.session_id,
            email=details.email,
            name=details.name,
            address=details.address,
            currency=currency,
            subtotal_minor=subtotal_minor,
            shipping_minor=shipping_minor,
            total_minor=total_minor,
            payment_reference="",
            card_last4="",
        )
        for line in lines:
            product = products[line.product_id]
            order.lines.append(
                OrderLine(
                    product_id=product.id,
                    sku=product.sku,
                    name=product.name,
                    unit_price_minor=prices[product.id],
                    quantity=line.quantity,
                    line_total_minor=prices[product.id] * line.quantity,
                )
            )
        self.dbsession.add(order)
        emptied = self.dbsession.execute(
            delete(CartLine).where(CartLine.cart_id == cart.id)
        ).rowcount
        if emptied != len(lines):
            raise Conflict("the cart changed during checkout; please review it")
        self.dbsession.expire(cart, ["lines"])
        self.dbsession.flush()
        if record is not None:
            record.order_id = order.id
            self.dbsession.flush()

        # The charge comes last, when everything the database could refuse
        # has been written; should the transaction still abort or fail to
        # commit, the money is given back.
        result = self.gateway.charge(
            from_minor(total_minor, currency), currency, details.card, reference=number
        )
        transaction = self.tm.get()
        transaction.addAfterCommitHook(
            lambda committed: committed or self.gateway.refund(result)
        )
        transaction.addAfterAbortHook(lambda: self.gateway.refund(result))
        if self.counters is not None:
            orders, revenue = self.counters

            def count(committed: bool) -> None:
                if committed:
                    orders.labels(currency).inc()
                    revenue.labels(currency).inc(total_minor)

            transaction.addAfterCommitHook(count)
        order.payment_reference = result.reference
        order.card_last4 = result.card_last4
        self.dbsession.flush()
        return order, False

    def by_number(self, number: str) -> Order | None:
        return self.dbsession.scalar(select(Order).where(Order.number == number))

    def order_for(self, number: str, owner: Owner) -> Order | None:
        """The order, only for the session or customer that placed it."""
        order = self.dbsession.scalar(select(Order).where(Order.number == number))
        if order is None:
            return None
        if owner.user_id and order.user_id == owner.user_id:
            return order
        if owner.session_id and order.session_id == owner.session_id:
            return order
        return None

    def history(self, user_id: int, limit: int = 50) -> list[Order]:
        return list(
            self.dbsession.scalars(
                select(Order)
                .where(Order.user_id == user_id)
                .order_by(Order.created_at.desc(), Order.id.desc())
                .limit(limit)
            )
        )
