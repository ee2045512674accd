"""Checkout: a cart becomes a paid order.

Guarantees, on SQLite and PostgreSQL alike:
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

import secrets
from collections.abc import Callable

from sqlalchemy import delete
from sqlalchemy.orm import Session
from zope.interface import implementer

from emporium.database import utcnow
from emporium.errors import Conflict
from emporium.events import OrderPlaced
from emporium.money import from_minor
from emporium_cart.interfaces import ICheckoutService
from emporium_cart.models import Cart, CartLine, Order, OrderLine
from emporium_cart.schemas import CheckoutDetails
from emporium_cart.services import idempotency
from emporium_cart.services.carts import CartService, Owner, totals
from emporium_cart.services.errors import OutOfStock, shortage

ORDER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_order_number() -> str:
    return "EM-" + "".join(secrets.choice(ORDER_ALPHABET) for _ in range(8))


def _one_currency(lines: list[CartLine], found: dict) -> str:
    currencies = {found[line.product_id].currency for line in lines}
    if len(currencies) != 1:
        raise Conflict("a cart cannot mix currencies")
    return currencies.pop()


@implementer(ICheckoutService)
class CheckoutService:
    def __init__(
        self,
        dbsession: Session,
        products,
        gateway,
        transaction_manager,
        notify: Callable[[object], None] | None = None,
    ) -> None:
        self.dbsession = dbsession
        # The catalog's IProductWriter: products read and stock taken.
        self.products = products
        self.gateway = gateway
        self.tm = transaction_manager
        # Sends ``OrderPlaced`` (the registry's ``notify``) once an order commits.
        self.notify = notify

    def place_order(
        self, owner: Owner, details: CheckoutDetails, key: str | None
    ) -> tuple[Order, bool]:
        print_ = idempotency.fingerprint(details)
        if key:
            existing = idempotency.replay(self.dbsession, owner, key, print_)
            if existing is not None:
                return existing, True
            record = idempotency.claim(self.dbsession, owner, key, print_)
        cart, lines = self._lock_cart(owner)
        found = self.products.products(self.dbsession, [li.product_id for li in lines])
        currency = _one_currency(lines, found)
        self._take_stock(lines, found)
        order = self._write_order(owner, details, lines, found, currency)
        self._empty(cart, lines)
        if key:
            record.order_id = order.id
            self.dbsession.flush()
        self._charge(order, details.card)
        return order, False

    def _lock_cart(self, owner: Owner) -> tuple[Cart, list[CartLine]]:
        """The cart's row is locked for the order's transaction: a second
        checkout of the same cart (another tab, a retry without a key) waits
        here, then finds it empty. Lines in product order, so that two
        orders lock products in the same order."""
        cart = CartService(self.dbsession, self.products).find(owner, lock=True)
        if cart is None or not cart.lines:
            raise Conflict("the cart is empty")
        return cart, sorted(cart.lines, key=lambda line: line.product_id)

    def _take_stock(self, lines: list[CartLine], found: dict) -> None:
        short = [
            shortage(self._refreshed(found[line.product_id]), line.quantity)
            for line in lines
            if not self.products.take_stock(
                self.dbsession, line.product_id, line.quantity
            )
        ]
        if short:
            raise OutOfStock(short)

    def _refreshed(self, product):
        # The product was read in this session before another order took
        # its stock: what is left now.
        self.dbsession.refresh(product, ["stock"])
        return product

    def _write_order(
        self,
        owner: Owner,
        details: CheckoutDetails,
        lines: list[CartLine],
        found: dict,
        currency: str,
    ) -> Order:
        # One "now" for the whole order: a sale ending mid-checkout cannot
        # price two lines differently.
        now = utcnow()
        prices = {pid: p.current_price_minor(now) for pid, p in found.items()}
        subtotal_minor = sum(prices[li.product_id] * li.quantity for li in lines)
        shipping_minor, total_minor = totals(subtotal_minor)
        order = Order(
            number=new_order_number(),
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
            product = found[line.product_id]
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
        return order

    def _empty(self, cart: Cart, lines: list[CartLine]) -> None:
        emptied = self.dbsession.execute(
            delete(CartLine).where(CartLine.cart_id == cart.id)
        ).rowcount
        if emptied != len(lines):
            raise Conflict("the cart changed during checkout; please review it")
        self.dbsession.expire(cart, ["lines"])
        self.dbsession.flush()

    def _charge(self, order: Order, card: dict) -> None:
        """The charge comes last, when everything the database could refuse
        has been written; should the transaction still abort or fail to
        commit, the money is given back."""
        currency, total_minor = order.currency, order.total_minor
        result = self.gateway.charge(
            from_minor(total_minor, currency), currency, card, reference=order.number
        )
        placed = OrderPlaced(order.number, currency, total_minor, order.user_id)

        def after_commit(committed: bool) -> None:
            if not committed:
                self.gateway.refund(result)
            elif self.notify is not None:
                self.notify(placed)

        transaction = self.tm.get()
        transaction.addAfterCommitHook(after_commit)
        transaction.addAfterAbortHook(lambda: self.gateway.refund(result))
        order.payment_reference = result.reference
        order.card_last4 = result.card_last4
        self.dbsession.flush()
