"""Totals and facet counts of recent conditions, reused when only the sort
or the page changes; another process's updates show within
``COUNTS_SECONDS``."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from emporium.search.conditions import SearchConditions

COUNTS_CACHE_SIZE = 4096
COUNTS_SECONDS = 10.0


def counts_key(c: SearchConditions) -> tuple:
    return (
        c.words.strip().lower(),
        c.section,
        c.sections,
        c.category,
        tuple(sorted((k, tuple(sorted(v))) for k, v in c.facets.items())),
        c.price_min,
        c.price_max,
        c.in_stock,
        tuple(c.facet_names),
    )


class CountsCache:
    """A small LRU of (total, facet counts) with a time-to-live."""

    def __init__(self, size: int, seconds: float = COUNTS_SECONDS) -> None:
        self.size = size
        self.seconds = seconds
        self._items: OrderedDict[tuple, tuple[float, tuple]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple) -> tuple | None:
        if not self.size:
            return None
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            if time.monotonic() - found[0] > self.seconds:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, key: tuple, value: tuple) -> None:
        if not self.size:
            return
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
