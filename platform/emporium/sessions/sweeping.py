"""The sessions sweeper: rows of sessions past their idle or absolute timeout.

A session that expired is already refused when it comes back (the factory
checks both timeouts); this removes the rows it left behind.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from zope.interface import implementer

from emporium.housekeeping import ISweeper
from emporium.sessions.models import SessionRecord
from emporium.sessions.session import SessionConfig

# Rows within this much of a timeout are left for the next sweep, so that a
# sweep never races a request refreshing the same session.
MARGIN = timedelta(hours=1)


def live_session(config: SessionConfig, now: datetime) -> ColumnElement[bool]:
    """The condition for a session row still in use at ``now`` (with the
    sweep's margin): plugins use it to find what belonged to dead ones."""
    return and_(
        SessionRecord.updated_at >= now - config.idle_timeout - MARGIN,
        SessionRecord.created_at >= now - config.absolute_timeout - MARGIN,
    )


@implementer(ISweeper)
class ExpiredSessions:
    description = "expired sessions"

    def __init__(self, config: SessionConfig) -> None:
        self.config = config

    def _expired(self, now: datetime) -> ColumnElement[bool]:
        return or_(
            SessionRecord.updated_at < now - self.config.idle_timeout - MARGIN,
            SessionRecord.created_at < now - self.config.absolute_timeout - MARGIN,
        )

    def count(self, dbsession, now: datetime) -> int:
        return dbsession.scalar(
            select(func.count()).select_from(SessionRecord).where(self._expired(now))
        )

    def sweep(self, dbsession, now: datetime, limit: int, cursor):
        # Found through the indexes on both times; removed rows drop out of
        # the next batch's search, so no cursor is needed.
        ids = dbsession.scalars(
            select(SessionRecord.id).where(self._expired(now)).limit(limit)
        ).all()
        if not ids:
            return 0, None
        # The condition again: a row refreshed since it was read stays.
        result = dbsession.execute(
            delete(SessionRecord)
            .where(SessionRecord.id.in_(ids), self._expired(now))
            .execution_options(synchronize_session=False)
        )
        return result.rowcount, ("more" if len(ids) == limit else None)
