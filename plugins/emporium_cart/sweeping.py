"""The cart plugin's sweepers: carts no shopper can reach, and idempotency
records past their keeping time.

An anonymous cart is stored with its session (the cart views save the
session in the same transaction), and when a session comes back expired the
app deletes its row and its cart together (``SessionExpired``); logging in
moves the cart to the customer. So an anonymous cart whose session row is
gone, or past its timeouts (give or take the sweep's margin), is one no
cookie can reach. A logged-in customer's cart is never swept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pyramid.config import Configurator
from sqlalchemy import ColumnElement, delete, exists, func, select
from zope.interface import implementer

from emporium.housekeeping import ISweeper
from emporium.interfaces import ISessionFactory
from emporium.sessions.models import SessionRecord
from emporium.sessions.session import SessionConfig
from emporium.sessions.sweeping import live_session
from emporium.settings import setting_value
from emporium_cart.models import Cart, IdempotencyRecord


@implementer(ISweeper)
class OrphanedCarts:
    description = "carts of sessions that are gone"

    def __init__(self, config: SessionConfig) -> None:
        self.config = config

    def _orphaned(self, now: datetime) -> ColumnElement[bool]:
        return (
            Cart.user_id.is_(None)
            & Cart.session_id.is_not(None)
            & ~exists().where(
                SessionRecord.id == Cart.session_id, live_session(self.config, now)
            )
        )

    def count(self, dbsession, now: datetime) -> int:
        return dbsession.scalar(
            select(func.count()).select_from(Cart).where(self._orphaned(now))
        )

    def sweep(self, dbsession, now: datetime, limit: int, cursor):
        # In id order from where the last batch stopped, so that live carts
        # are looked at once per run, not once per batch.
        ids = dbsession.scalars(
            select(Cart.id)
            .where(self._orphaned(now), Cart.id > (cursor or 0))
            .order_by(Cart.id)
            .limit(limit)
        ).all()
        if not ids:
            return 0, None
        # Checked again as rows are deleted: a cart adopted meanwhile (its
        # shopper logged in) stays. Its lines go with it (ON DELETE CASCADE).
        result = dbsession.execute(
            delete(Cart)
            .where(Cart.id.in_(ids), self._orphaned(now))
            .execution_options(synchronize_session=False)
        )
        return result.rowcount, (ids[-1] if len(ids) == limit else None)


@implementer(ISweeper)
class ExpiredIdempotencyKeys:
    description = "idempotency records past their keeping time"

    def __init__(self, keep: timedelta) -> None:
        self.keep = keep

    def _expired(self, now: datetime) -> ColumnElement[bool]:
        return IdempotencyRecord.created_at < now - self.keep

    def count(self, dbsession, now: datetime) -> int:
        return dbsession.scalar(
            select(func.count())
            .select_from(IdempotencyRecord)
            .where(self._expired(now))
        )

    def sweep(self, dbsession, now: datetime, limit: int, cursor):
        ids = dbsession.scalars(
            select(IdempotencyRecord.id).where(self._expired(now)).limit(limit)
        ).all()
        if not ids:
            return 0, None
        result = dbsession.execute(
            delete(IdempotencyRecord)
            .where(IdempotencyRecord.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        return result.rowcount, ("more" if len(ids) == limit else None)


def includeme(config: Configurator) -> None:
    """`emporium sweep`: carts of sessions that are gone, old idempotency keys."""
    session_config = config.registry.getUtility(ISessionFactory).config
    config.add_sweeper(OrphanedCarts(session_config), "carts")
    keep_days = setting_value(config.get_settings(), "emporium.idempotency.keep_days")
    config.add_sweeper(
        ExpiredIdempotencyKeys(timedelta(days=keep_days)), "idempotency-keys"
    )
