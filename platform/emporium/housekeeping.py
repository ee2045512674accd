"""Housekeeping: rows nobody can reach any more, removed in small batches.

Expired sessions, the carts of sessions that are gone, idempotency records
past their keeping time: each owner registers an ``ISweeper`` with
``config.add_sweeper(sweeper, name)`` and ``emporium sweep INI`` (from cron
or a systemd timer) runs them. Every batch is its own short transaction, so
a sweep of millions of rows never holds locks that shoppers wait on, and a
sweep stopped half way has removed only whole batches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pyramid.config import Configurator
from zope.interface import Attribute, Interface

from emporium.database import utcnow

DEFAULT_BATCH = 2_000


class ISweeper(Interface):
    """Finds and removes rows that no request can reach any more."""

    description = Attribute("What it removes, for the operator: 'expired sessions'.")

    def count(dbsession, now: datetime) -> int:
        """How many rows a sweep at ``now`` would remove."""

    def sweep(dbsession, now: datetime, limit: int) -> int:
        """Remove at most ``limit`` of those rows; return how many it removed."""


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
    sessions = registry["dbsession_factory"]
    removed: dict[str, int] = {}
    for name, sweeper in get_sweepers(registry):
        total = 0
        while True:
            with sessions() as dbsession, dbsession.begin():
                if dry_run:
                    total = sweeper.count(dbsession, now)
                    break
                done = sweeper.sweep(dbsession, now, batch)
            total += done
            if progress is not None:
                progress(name, total)
            if done < batch:
                break
        removed[name] = total
    return removed


def includeme(config: Configurator) -> None:
    config.add_directive("add_sweeper", add_sweeper)
