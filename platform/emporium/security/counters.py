"""Request counters for the throttle: one round trip per request at most.

``hit(checks)`` counts one request against each ``(key, limit, window
seconds)`` in order and answers ``(index, seconds until it resets)`` for the
first one past its limit, else None. Each counter is a fixed window that
begins with its first request. With Redis the whole of it is one script
(``EVALSHA``), so a request costs one round trip whatever it is counted
against; in memory it costs none. Should Redis fail, throttling must not
take the store down with it: each process counts in its own memory (a
client gets as many budgets as there are workers, but a flood is still
refused), says so once in a warning, leaves Redis alone for
``RETRY_SECONDS`` (a frozen Redis would cost every request its timeout) and
goes back to it by itself when it answers again (``Failover``). The
failed-login budget, kept by the ``limits`` library, fails over the same way
(``FailoverLimiter``): a login, right or wrong, never fails with Redis.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

log = logging.getLogger(__name__)

Check = tuple[str, int, int]
T = TypeVar("T")
PREFIX = "emporium:throttle:"
RETRY_SECONDS = 5.0

# KEYS: the counters; ARGV: limit and window of each, in turn.
_SCRIPT = """
for i, key in ipairs(KEYS) do
    local count = redis.call('INCR', key)
    local ttl = redis.call('TTL', key)
    if count == 1 or ttl < 0 then
        ttl = tonumber(ARGV[2 * i])
        redis.call('EXPIRE', key, ttl)
    end
    if count > tonumber(ARGV[2 * i - 1]) then
        return {i, ttl}
    end
end
return {0, 0}
"""


class Failover:
    """Work done in Redis, done in this process's memory while Redis fails:
    one warning when it fails and one when it answers again, Redis left
    alone for ``RETRY_SECONDS`` between tries, and ``forget`` (the memory's
    own counts) called once it is back."""

    def __init__(self, what: str, forget: Callable[[], None]) -> None:
        self.what = what
        self.forget = forget
        self.retry_at: float | None = None  # set while Redis is failing

    def run(self, in_redis: Callable[[], T], in_memory: Callable[[], T]) -> T:
        if self.retry_at is not None and time.monotonic() < self.retry_at:
            return in_memory()
        try:
            result = in_redis()
        except Exception as exc:  # the client's errors, whatever the cause
            if self.retry_at is None:
                log.warning(
                    "%s unavailable (%s): counting in this process until"
                    " Redis answers again",
                    self.what,
                    exc,
                )
            self.retry_at = time.monotonic() + RETRY_SECONDS
            return in_memory()
        if self.retry_at is not None:
            log.warning("%s in Redis again", self.what)
            self.retry_at = None
            self.forget()
        return result


class FailoverLimiter:
    """The ``limits`` library's ``limiter`` (the failed-login budget's moving
    window), answered by one in this process's memory while its storage
    fails, so a login never fails with Redis."""

    def __init__(self, limiter) -> None:
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        self.limiter = limiter
        self.memory = MovingWindowRateLimiter(MemoryStorage())
        self.failover = Failover("failed-login budget", self.memory.storage.reset)

    def _run(self, method: str, *args):
        return self.failover.run(
            lambda: getattr(self.limiter, method)(*args),
            lambda: getattr(self.memory, method)(*args),
        )

    def test(self, *args) -> bool:
        return self._run("test", *args)

    def hit(self, *args) -> bool:
        return self._run("hit", *args)

    def get_window_stats(self, *args):
        return self._run("get_window_stats", *args)


class RedisCounters:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(
            url, socket_timeout=1.0, socket_connect_timeout=1.0
        )
        self.script = self.client.register_script(_SCRIPT)
        self.fallback = MemoryCounters()
        self.failover = Failover("throttle counters", self.fallback.reset)

    def hit(self, checks: Sequence[Check]) -> tuple[int, int] | None:
        keys = [PREFIX + key for key, _, _ in checks]
        args = [value for _, limit, window in checks for value in (limit, window)]

        def in_redis() -> tuple[int, int] | None:
            index, ttl = self.script(keys=keys, args=args)
            return (int(index) - 1, int(ttl)) if index else None

        return self.failover.run(in_redis, lambda: self.fallback.hit(checks))

    def reset(self) -> None:
        for key in self.client.scan_iter(f"{PREFIX}*"):
            self.client.delete(key)


class MemoryCounters:
    """One process's counters (development, tests, a single worker)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.windows: dict[str, tuple[int, float]] = {}

    def hit(self, checks: Sequence[Check]) -> tuple[int, int] | None:
        now = time.monotonic()
        with self.lock:
            if len(self.windows) > 100_000:
                self.windows = {k: v for k, v in self.windows.items() if v[1] > now}
            for index, (key, limit, window) in enumerate(checks):
                count, ends = self.windows.get(key, (0, 0.0))
                if ends <= now:
                    count, ends = 0, now + window
                self.windows[key] = (count + 1, ends)
                if count + 1 > limit:
                    return index, math.ceil(ends - now)
        return None

    def reset(self) -> None:
        with self.lock:
            self.windows.clear()


class LibraryCounters:
    """Any other storage the ``limits`` library knows: a round trip a check."""

    def __init__(self, limiter) -> None:
        self.limiter = limiter

    def hit(self, checks: Sequence[Check]) -> tuple[int, int] | None:
        from limits import RateLimitItemPerSecond

        for index, (key, limit, window) in enumerate(checks):
            item = RateLimitItemPerSecond(limit, window)
            if not self.limiter.hit(item, "requests", key):
                reset, _ = self.limiter.get_window_stats(item, "requests", key)
                return index, math.ceil(reset - time.time())
        return None

    def reset(self) -> None:
        """The library's storage is reset by its owner."""


def counters_for(uri: str, limiter):
    """The counters for ``emporium.throttle.storage``'s ``uri``."""
    if uri.startswith(("redis://", "rediss://", "unix://")):
        return RedisCounters(uri)
    if uri.startswith("memory://"):
        return MemoryCounters()
    return LibraryCounters(limiter)
