"""Orders placed, found for the session or customer that placed them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from zope.interface import implementer

from emporium_cart.interfaces import IOrderService
from emporium_cart.models import Order
from emporium_cart.services.carts import Owner


@implementer(IOrderService)
class OrderService:
    def __init__(self, dbsession: Session) -> None:
        self.dbsession = dbsession

    def by_number(self, number: str) -> Order | None:
        return self.dbsession.scalar(select(Order).where(Order.number == number))

    def order_for(self, number: str, owner: Owner) -> Order | None:
        order = self.by_number(number)
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
