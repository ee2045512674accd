"""Events the core sends; plugins subscribe with ``config.add_subscriber``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class UserLoggedIn:
    """A user logged in; ``previous_session_id`` is the id the session had
    before it was rotated (an anonymous cart may belong to it)."""

    request: Any
    user: Any
    previous_session_id: str | None


@dataclass
class UserLoggedOut:
    request: Any
    user: Any


@dataclass
class SessionExpired:
    """A session came back past its idle or absolute timeout: its row is
    deleted in this request's transaction and the browser's cookie dropped.
    Whatever belonged to it (an anonymous cart) should go with it."""

    request: Any
    session_id: str


@dataclass(frozen=True)
class OrderPlaced:
    """An order was placed and its transaction committed: sent after the
    commit, never for one that rolled back or for a repeated submission
    that got the same order back. Plain values, readable once the
    order's database session is gone."""

    number: str
    currency: str
    total_minor: int
    user_id: int | None


@dataclass(frozen=True)
class SchemaMigrated:
    """``emporium migrate`` moved a plugin's schema (``unit``: its package)
    from one revision to another (None: empty). Sent after the migration's
    commit, so that what was cached under the old schema (a section's
    fields) is invalidated: tables dropped and re-created never serve the
    values they held before."""

    registry: Any
    unit: str
    before: str | None
    after: str | None
