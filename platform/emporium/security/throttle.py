"""Throttling: requests per client per window, per class of route.

A client is its session when it has one, else its address. Many shoppers
can share an address (an office, a mobile carrier), so the per-address
ceiling sits far above the per-session limit; a client that drops its cookie
to dodge the session limit still meets the address ceiling. Each class has
two windows: a minute (``emporium.throttle.<class>``) and a short burst
window (``emporium.throttle.<class>.burst``, a second), so a script that
fires hundreds of searches in a few seconds is refused within the first
second, cookie or not, long before its minute's budget is spent. Limits come
from settings; counters live in memory (one process) or Redis (the cluster).

Every request is counted, so counting costs one Redis round trip at most:
both counters (the session's and the address's) are counted and checked by
one script (``emporium.security.counters``). Each is a fixed window that
begins with its first request. Failed logins, which are rare, keep the
``limits`` library's moving window.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from pyramid.httpexceptions import HTTPTooManyRequests
from zope.interface import implementer

from emporium.errors import ConfigurationError
from emporium.interfaces import ISessionFactory, IThrottle
from emporium.security.counters import FailoverLimiter, counters_for
from emporium.settings import setting_value

log = logging.getLogger(__name__)

# Each class's limit is the setting emporium.throttle.<class>.
CLASSES = ("pages", "search", "cart", "checkout", "login", "api", "admin")
EXEMPT_PREFIXES = ("/health", "/metrics", "/static/", "/themes/", "/images/")


class Throttled(HTTPTooManyRequests):
    def __init__(self, retry_after: int, route_class: str) -> None:
        super().__init__(
            detail=f"Too many requests ({route_class}); try again in {retry_after} s."
        )
        self.headers["Retry-After"] = str(retry_after)
        self.retry_after = retry_after


@implementer(IThrottle)
class Throttle:
    def __init__(self, settings) -> None:
        uri = setting_value(settings, "emporium.throttle.storage")
        self.enabled = setting_value(settings, "emporium.throttle.enabled")
        try:
            storage = storage_from_string(uri)
        except Exception as exc:  # the library's own errors, for any bad URI
            raise ConfigurationError(
                f"emporium.throttle.storage: {uri!r} cannot be used ({exc})"
            ) from None
        if (
            self.enabled
            and uri.startswith("memory://")
            and setting_value(settings, "emporium.environment") == "production"
        ):
            log.warning(
                "throttle counters are kept per process (emporium.throttle.storage"
                " = memory://): with N workers a client gets N times its limit;"
                " set it to a redis:// URL shared by the app servers"
            )
        self.limiter = MovingWindowRateLimiter(storage)
        self.counters = counters_for(uri, self.limiter)
        self.logins = FailoverLimiter(self.limiter)
        factor = setting_value(settings, "emporium.throttle.address_factor")
        burst_factor = setting_value(settings, "emporium.throttle.burst_address_factor")
        self.limits = {}
        for name in CLASSES:
            self.limits[name] = (
                _with_ceiling(settings, f"emporium.throttle.{name}", factor),
                _with_ceiling(
                    settings, f"emporium.throttle.{name}.burst", burst_factor
                ),
            )

    def hit(self, route_class: str, session_id: str | None, address: str) -> None:
        """Count one request; raise Throttled when over any of its limits."""
        checks = []
        for window, (per_client, per_address) in zip(
            ("", "burst/"), self.limits[route_class], strict=True
        ):
            if session_id:
                checks.append(
                    (f"{route_class}/{window}session/{session_id}", per_client)
                )
            checks.append((f"{route_class}/{window}address/{address}", per_address))
        refused = self.counters.hit(
            [(key, item.amount, item.get_expiry()) for key, item in checks]
        )
        if refused is not None:
            index, retry_after = refused
            key, item = checks[index]
            log.warning("throttled %s on %s (%s)", key[:40], route_class, item)
            raise Throttled(max(1, retry_after), route_class)

    def _login_keys(self, account: str, address: str):
        # The account as the login form reads it (stripped, case-folded),
        # hashed: any spelling of one email meets one budget, and no email
        # is kept in the counters' storage.
        folded = account.strip().casefold().encode("utf-8", "surrogatepass")
        digest = hashlib.sha256(folded).hexdigest()
        return (("account", digest), ("address", address))

    def login_refused(self, account: str, address: str, limit: str) -> int | None:
        """Seconds until ``account`` and ``address`` may try to log in again,
        or None when both are within their failed-login budget. Asked before
        the password is checked, so an exhausted budget stops every attempt."""
        if not self.enabled:
            return None
        item = parse(limit)
        for kind, identity in self._login_keys(account, address):
            if not self.logins.test(item, "login-failures", kind, identity):
                reset, _ = self.logins.get_window_stats(
                    item, "login-failures", kind, identity
                )
                return max(1, math.ceil(reset - time.time()))
        return None

    def login_failed(self, account: str, address: str, limit: str) -> list[str]:
        """Count one failed login against the account and the address;
        return the kinds ("account", "address") this failure locked."""
        if not self.enabled:
            return []
        item = parse(limit)
        locked = []
        for kind, identity in self._login_keys(account, address):
            self.logins.hit(item, "login-failures", kind, identity)
            _, remaining = self.logins.get_window_stats(
                item, "login-failures", kind, identity
            )
            if remaining == 0:
                locked.append(kind)
        return locked

    def reset(self) -> None:
        self.limiter.storage.reset()
        self.counters.reset()


def _with_ceiling(settings, name: str, factor: int):
    """The rate setting ``name`` per session, and the per-address ceiling
    ``factor`` times it."""
    item = parse(setting_value(settings, name))
    return item, type(item)(item.amount * factor, item.multiples)


def _route_class(info, request) -> str:
    declared = info.options.get("throttle")
    if declared:
        return declared
    if request.path_info.startswith("/admin"):
        return "admin"
    if request.path_info.startswith("/api/"):
        return "api"
    return "pages" if request.method in ("GET", "HEAD") else "cart"


def throttled_view(view, info):
    """View deriver: count the request against its route class."""

    def throttled(context, request):
        throttle = request.registry.queryUtility(IThrottle)
        if (
            throttle is not None
            and throttle.enabled
            and getattr(request, "exception", None) is None
            and not request.path_info.startswith(EXEMPT_PREFIXES)
        ):
            factory = request.registry.getUtility(ISessionFactory)
            session_id, _ = factory.cookie_session_id(request)
            throttle.hit(
                _route_class(info, request), session_id, request.client_addr or "-"
            )
        return view(context, request)

    return throttled


throttled_view.options = ("throttle",)
