"""Orders placed, found for the session or customer that placed them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
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

    def listing(
        self,
        status: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        after: int | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> list[Order]:
        query = select(Order)
        if status:
            query = query.where(Order.status == status)
        if start:
            query = query.where(Order.created_at >= start)
        if end:
            query = query.where(Order.created_at < end)
        if before is not None:
            query = query.where(Order.id > before).order_by(Order.id)
        else:
            if after is not None:
                query = query.where(Order.id < after)
            query = query.order_by(Order.id.desc())
        return list(self.dbsession.scalars(query.limit(limit)))

    def totals_since(self, since: datetime) -> tuple[int, int]:
        count, total = self.dbsession.execute(
            select(func.count(), func.coalesce(func.sum(Order.total_minor), 0)).where(
                Order.created_at >= since
            )
        ).one()
        return count, total

    def placed_since(self, since: datetime) -> list[datetime]:
        return list(
            self.dbsession.scalars(
                select(Order.created_at).where(Order.created_at >= since)
            )
        )
