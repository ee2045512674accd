"""What the store's and the console's login forms share: the failed-login
budget, asked before the password is checked and audited when it locks, and
the ``next`` path a login sends the browser to.

An account or an address that spent its budget (``emporium.throttle.
login_failures``, 5 a quarter of an hour by default) is refused with 429 and
Retry-After until its window ends, the correct password included: a guesser
learns nothing from the answer. The owner logs in again once the window is
over, from any address.
"""

from __future__ import annotations

import logging

from emporium.audit import record
from emporium.interfaces import IThrottle
from emporium.settings import setting_value

log = logging.getLogger(__name__)

LOCKED_MESSAGE = (
    "Too many failed logins for this account or from this address. "
    "Please wait {seconds} seconds and try again."
)


def _budget(request) -> tuple[object | None, str, str]:
    throttle = request.registry.queryUtility(IThrottle)
    limit = setting_value(request.registry.settings, "emporium.throttle.login_failures")
    return throttle, limit, request.client_addr or "-"


def locked_for(request, email: str) -> int | None:
    """Seconds the login of ``email`` from this client stays refused, or None
    when it may be tried. The caller answers 429 with Retry-After."""
    throttle, limit, address = _budget(request)
    if throttle is None:
        return None
    seconds = throttle.login_refused(email or "-", address, limit)
    if seconds is not None:
        request.response.status = 429
        request.response.headers["Retry-After"] = str(seconds)
    return seconds


def count_failure(request, email: str) -> None:
    """Count a failed login; a failure that spends a budget is audited (once
    per lockout, not once per refused attempt)."""
    throttle, limit, address = _budget(request)
    if throttle is None:
        return
    for kind in throttle.login_failed(email or "-", address, limit):
        target = email.strip().casefold() if kind == "account" else address
        log.warning("failed-login budget spent: %s %s", kind, target[:80])
        record(
            request.dbsession,
            "system",
            "login.locked",
            target[:1000],
            kind=kind,
            address=address,
            path=request.path_info,
        )


def local_path(target: str | None, default: str, prefix: str = "/") -> str:
    """``target`` when it is a path on this site under ``prefix`` that a
    Location header can carry as it is; else ``default``. Never an open
    redirect (no scheme-relative ``//``, no backslash), and never a control
    character (CR, LF, NUL, VT) or a character outside printable ASCII,
    which would split or break the header."""
    if (
        not target
        or not target.startswith(prefix)
        or target.startswith("//")
        or "\\" in target
        or not all("!" <= c <= "~" for c in target)
    ):
        return default
    return target
