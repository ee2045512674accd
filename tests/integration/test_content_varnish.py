"""A home-page banner scheduled a few seconds ahead, through a real Varnish
in front of a real app server: hidden and cached before its window, shown
once the window opens and gone once it ends, with no purge (the page's
cache lifetime ends at each window edge)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from emporium.audit import AuditEntry
from emporium_content.models import ContentItem
from tests.integration.test_varnish import (  # noqa: F401
    dbsession,
    fetch,
    port,
    registry,
    tier,
)

LEAD = 6  # seconds before the window opens
LENGTH = 6  # seconds the window stays open


def wait_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 0.3)


def shown(port: int, title: bytes, tries: int = 4) -> list[tuple[str, bool]]:  # noqa: F811
    """Fetch the home page until it changes state or ``tries`` run out: a
    stale copy may be served once while Varnish refetches (grace)."""
    seen = []
    for _ in range(tries):
        response = fetch(port, "/")
        assert response.status == 200
        seen.append((response.cache, title in response.body))
        time.sleep(0.3)
    return seen


def test_a_scheduled_banner_appears_and_vanishes_through_varnish_without_a_purge(
    port,  # noqa: F811
    dbsession,  # noqa: F811
):
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD)
    ends = starts + timedelta(seconds=LENGTH)
    title = f"Flash sale {time.time_ns()}"
    dbsession.add(
        ContentItem(
            kind="banner",
            slug=f"flash-{time.time_ns()}",
            title=title,
            link_url="/books/",
            page="home",
            slot="hero",
            state="published",
            starts_at=starts,
            ends_at=ends,
        )
    )
    dbsession.commit()
    purges_before = dbsession.scalar(
        select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)
    )
    before = fetch(port, "/")
    again = fetch(port, "/")
    assert title.encode() not in before.body and title.encode() not in again.body
    assert again.cache == "HIT"
    # Without the cap the page would stay cached for its partitions' TTL
    # (minutes), and the banner would not show within seconds.
    wait_until(starts)
    during = shown(port, title.encode())
    assert during[-1][1], during  # shown once the refetch is in
    assert all(shown_ for _, shown_ in during[1:]), during  # at most one stale
    wait_until(ends)
    after = shown(port, title.encode())
    assert not after[-1][1], after
    assert not any(shown_ for _, shown_ in after[1:]), after
    # Nothing was purged for it: the windows drove the cache.
    dbsession.expire_all()
    newer = dbsession.scalars(
        select(AuditEntry.target).where(AuditEntry.id > (purges_before or 0))
    ).all()
    assert not [t for t in newer if t.startswith("content:")], newer
