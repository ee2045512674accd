"""The sweeper of photo files no product names any more: a photo removed or
replaced, a product deleted, an import validated but never run.

A file is removed only when no row of ``product_images`` names it and it was
last put longer ago than ``emporium.media.sweep_after``: an upload keeps its
files before its row commits (and putting kept bytes again makes them young
again), so a photo being saved is never swept under it. Equal uploads share
a name, so a file stays while any photo still names it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from zope.interface import implementer

from emporium.housekeeping import ISweeper
from emporium.interfaces import IMediaStore
from emporium_catalog.photos.models import ProductImage


def named_files(dbsession: Session) -> set[str]:
    """Every media name a product photo's derivatives use."""
    names: set[str] = set()
    for sources in dbsession.scalars(select(ProductImage.sources)):
        for entry in (sources or {}).values():
            names.update(entry.get("webp", ()))
            names.update(entry.get("fallback", ()))
    return names


@dataclass(frozen=True)
class _Cursor:
    after: str
    named: frozenset[str]


@implementer(ISweeper)
class UnusedPhotoFiles:
    description = "photo files no product names"

    def __init__(self, store: IMediaStore, keep_seconds: int) -> None:
        self.store = store
        self.keep_seconds = keep_seconds

    def _unused(self, named, now: datetime, after: str | None) -> Iterator[str]:
        cutoff = now.timestamp() - self.keep_seconds
        for name, kept_at in self.store.names(after):
            if name not in named and kept_at < cutoff:
                yield name

    def count(self, dbsession, now: datetime) -> int:
        return sum(1 for _ in self._unused(named_files(dbsession), now, None))

    def sweep(self, dbsession, now: datetime, limit: int, cursor):
        # The names in use are read once a run: a photo saved during the run
        # put its files after the run began, so they are too young to go.
        if cursor is None:
            cursor = _Cursor("", frozenset(named_files(dbsession)))
        removed, last = 0, None
        for name in self._unused(cursor.named, now, cursor.after or None):
            self.store.delete(name)
            removed, last = removed + 1, name
            if removed == limit:
                return removed, _Cursor(last, cursor.named)
        return removed, None
