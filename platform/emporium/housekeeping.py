"""Housekeeping: rows nobody can reach any more, removed in small batches.

Expired sessions, the carts of sessions that are gone, idempotency records
past their keeping time: each owner registers an ``ISweeper`` with
``config.add_sweeper(sweeper, name)`` and ``emporium sweep INI`` (from cron
or a systemd timer) runs them. Every batch is its own short transaction, so
a sweep of millions of rows never holds locks that shoppers wait on, and a
sweep stopped half way has removed only whole batches.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from pyramid.config import Configurator
from sqlalchemy.exc import DBAPIError, OperationalError
from zope.interface import Attribute, Interface

from emporium.database import begin_write, utcnow

log = logging.getLogger(__name__)

DEFAULT_BATCH = 2_000
MAX_BATCH = 10_000  # rows named in one statement stay well within limits
ATTEMPTS = 5


class ISweeper(Interface):
    """Finds and removes rows that no request can reach any more."""

    description = Attribute("What it removes, for the operator: 'expired sessions'.")

    def count(dbsession, now: datetime) -> int:
        """How many rows a sweep at ``now`` would remove."""

    def sweep(dbsession, now: datetime, limit: int, cursor):
        """Remove at most ``limit`` of those rows, looking from ``cursor``
        (``None`` at first, then what the previous batch returned); return
        ``(removed, cursor)``, the cursor ``None`` once nothing is left."""


def add_sweeper(config: Configurator, sweeper, name: str) -> None:
    """Register ``sweeper`` (providing ``ISweeper``) under ``name``."""
    if not ISweeper.providedBy(sweeper):
        raise TypeError(f"sweeper {name!r} does not provide ISweeper")

    def register() -> None:
        config.registry.registerUtility(sweeper, ISweeper, name=name)

    config.action(("emporium.sweeper", name), register)


def get_sweepers(registry) -> list[tuple[str, object]]:
    return sorted(registry.getUtilitiesFor(ISweeper), key=lambda item: item[0])


def run_sweepers(
    registry,
    now: datetime | None = None,
    batch: int = DEFAULT_BATCH,
    dry_run: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Run every sweeper to the end, one transaction per batch; return the
    rows removed (or, with ``dry_run``, that would be) per sweeper."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    now = now or utcnow()
    removed: dict[str, int] = {}
    for name, sweeper in get_sweepers(registry):
        if dry_run:
            with registry["dbsession_factory"]() as dbsession:
                removed[name] = sweeper.count(dbsession, now)
            continue
        total, cursor = 0, None
        while True:
            done, cursor = _batch(registry, sweeper, now, batch, cursor)
            total += done
            if progress is not None:
                progress(name, total)
            if cursor is None:
                break
        removed[name] = total
    return removed


def _batch(registry, sweeper, now: datetime, limit: int, cursor):
    """One batch in its own write transaction; one that meets a concurrent
    writer (a lock, a deadlock, a serialization failure) is run again."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with registry["dbsession_factory"]() as dbsession, dbsession.begin():
                # On SQLite the write lock is taken first: requests that
                # write meanwhile wait for this short batch, and it for them.
                begin_write(dbsession)
                return sweeper.sweep(dbsession, now, limit, cursor)
        except DBAPIError as exc:
            if attempt == ATTEMPTS or not _transient(exc):
                raise
            log.warning("sweep: batch met a concurrent writer (%s); again", exc.orig)
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


def _transient(exc: DBAPIError) -> bool:
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig):
        return True
    # PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
    return getattr(exc.orig, "sqlstate", None) in ("40001", "40P01", "55P03")


def includeme(config: Configurator) -> None:
    config.add_directive("add_sweeper", add_sweeper)
