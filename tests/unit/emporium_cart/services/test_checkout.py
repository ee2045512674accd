"""The charge is given back when the order's transaction does not commit;
``OrderPlaced`` is sent only when it does."""

from __future__ import annotations

import transaction
from sqlalchemy import insert

from emporium.database import get_tm_session
from emporium.events import OrderPlaced
from emporium_cart.models import Cart, CartLine
from emporium_cart.payments import TestPaymentGateway
from emporium_cart.schemas import checkout
from emporium_cart.services import CheckoutService, Owner
from emporium_catalog.interfaces import IProductWriter
from emporium_catalog.models import Product


class RecordingGateway(TestPaymentGateway):
    def __init__(self) -> None:
        self.charged, self.refunded = [], []

    def charge(self, amount, currency, card, reference):
        result = super().charge(amount, currency, card, reference)
        self.charged.append(result)
        return result

    def refund(self, result) -> None:
        self.refunded.append(result)


DETAILS = checkout({
    "email": "r@example.com", "name": "R", "payment": {
        "card_number": "4242424242424242", "expiry": "12/34", "cvc": "123"},
    "address": {"line1": "1 A St", "city": "B", "postal_code": "12345",
                "country": "US"},
})  # fmt: skip


def place(app_config, session_id: str, product_id: int):
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    dbsession = get_tm_session(app_config.registry["dbsession_factory"], manager)
    dbsession.execute(insert(Product), [{
        "id": product_id, "sku": f"RF-{product_id}", "section": "store",
        "name": "Refund kite", "description": "", "image_url": "",
        "price_minor": 1000, "currency": "USD", "stock": 3, "best_seller_rank": 1,
    }])  # fmt: skip
    cart = Cart(session_id=session_id)
    cart.lines.append(CartLine(product_id=product_id, quantity=1))
    dbsession.add(cart)
    dbsession.flush()
    gateway, sent = RecordingGateway(), []
    products = app_config.registry.getUtility(IProductWriter)
    service = CheckoutService(dbsession, products, gateway, manager, sent.append)
    order, _ = service.place_order(Owner(session_id, None), DETAILS, key=None)
    gateway.number, gateway.sent = order.number, sent
    return manager, gateway


def test_an_aborted_order_gives_the_money_back(app_config):
    manager, gateway = place(app_config, "s" * 43, 880_001)
    assert len(gateway.charged) == 1 and gateway.refunded == []
    manager.abort()
    assert gateway.refunded == gateway.charged
    assert gateway.sent == []


def test_a_committed_order_keeps_it(app_config):
    manager, gateway = place(app_config, "t" * 43, 880_002)
    assert gateway.sent == []
    manager.commit()
    assert len(gateway.charged) == 1 and gateway.refunded == []
    assert gateway.sent == [OrderPlaced(gateway.number, "USD", 1499, None)]
