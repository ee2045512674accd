"""Requests per minute, counted in this process for the traffic dashboard.

Orders per minute come from the database (every app server's orders);
requests are counted here, per process, like the cache's own counters.
"""

from __future__ import annotations

import threading
import time

from pyramid.events import NewResponse

_COUNTER = f"{__name__}.counter"
WINDOW = 60  # minutes kept


class RequestCounter:
    """Requests per minute over the last hour: one integer per minute."""

    def __init__(self, clock=time.time) -> None:
        self.clock = clock
        self._counts: dict[int, int] = {}
        self._lock = threading.Lock()

    def count(self) -> None:
        minute = int(self.clock() // 60)
        with self._lock:
            self._counts[minute] = self._counts.get(minute, 0) + 1
            if len(self._counts) > WINDOW + 5:
                for old in [m for m in self._counts if m <= minute - WINDOW]:
                    del self._counts[old]

    def per_minute(self, minutes: int = WINDOW) -> list[tuple[int, int]]:
        """(minute as POSIX seconds, requests), oldest first, this minute last."""
        now = int(self.clock() // 60)
        with self._lock:
            counts = dict(self._counts)
        return [(m * 60, counts.get(m, 0)) for m in range(now - minutes + 1, now + 1)]


def count_requests(config) -> None:
    """Count every response of this process, for ``request_counter``."""
    config.registry[_COUNTER] = RequestCounter()
    config.add_subscriber(_count_request, NewResponse)


def request_counter(registry) -> RequestCounter:
    return registry[_COUNTER]


def _count_request(event) -> None:
    event.request.registry[_COUNTER].count()
