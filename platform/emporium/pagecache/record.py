"""What a page shows, noted while it is built.

The product façade notes each partition it reads, and the products and
categories it hands out, into the record of the request being served (a
context variable set by the page-cache tween, so that the façade needs no
request). The response's ``Cache-Control``, ``Expires`` and surrogate keys
are made from it (``emporium.pagecache.headers``). Outside a request nothing
is noted.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class PageRecord:
    """The partitions a page read and the things it shows."""

    partitions: set[str] = field(default_factory=set)
    # product id -> (category id, section): what the page shows, and how to
    # name it more briefly when the key header would grow too long.
    products: dict[int, tuple[int | None, str | None]] = field(default_factory=dict)
    categories: set[int] = field(default_factory=set)
    # Other surrogate keys: the listings a page's product list comes from.
    keys: set[str] = field(default_factory=set)
    # When the page changes by itself (a sale starts or ends), epoch seconds.
    changes_at: float | None = None

    def __bool__(self) -> bool:
        return bool(self.partitions or self.products or self.categories or self.keys)

    def ttl(self, partition_ttl, now: float | None = None) -> int:
        """The page's time-to-live: the shortest of its partitions' TTLs,
        capped at its next scheduled change."""
        ttls = [partition_ttl(name) for name in self.partitions]
        if self.changes_at is not None:
            now = time.time() if now is None else now
            ttls.append(self.changes_at - now)
        return max(0, int(min(ttls))) if ttls else 0


_current: ContextVar[PageRecord | None] = ContextVar("emporium_page", default=None)


def current() -> PageRecord | None:
    return _current.get()


def start() -> object:
    """Begin a record for the request being served; returns the token that
    :func:`stop` takes."""
    return _current.set(PageRecord())


def stop(token) -> None:
    _current.reset(token)


def note(
    partitions: Iterable[str] = (),
    products: Iterable[tuple[int, int | None, str | None]] = (),
    categories: Iterable[int] = (),
    keys: Iterable[str] = (),
    changes_at: float | None = None,
) -> None:
    """Note what the page being built read and shows: partitions it read,
    products as ``(id, category id, section)``, category ids, other surrogate
    keys, and when its content changes by itself. A no-op outside requests."""
    record = _current.get()
    if record is None:
        return
    record.partitions.update(partitions)
    for product_id, category_id, section in products:
        record.products[int(product_id)] = (category_id, section)
    record.categories.update(int(c) for c in categories)
    record.keys.update(keys)
    if changes_at is not None and (
        record.changes_at is None or changes_at < record.changes_at
    ):
        record.changes_at = changes_at
