"""Session ids: a random value and its HMAC-SHA256 under a server-only key.

The cookie is ``<id>.<mac>`` with ``mac`` the lowercase hex HMAC-SHA256 of
``id``. Several keys may be configured: the first signs, every one verifies,
so keys rotate without logging anyone out. The proxy tier computes the same
MAC for the ids it assigns to first-time visitors (deploy/varnish).

An id begins with the time it was issued, ``t<epoch seconds>-<random>``,
under the MAC like the rest: past the absolute timeout it is refused even
when no session row remains to say so (a copied cookie does not live on).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Sequence

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
MAC_PATTERN = re.compile(r"^[0-9a-f]{64}$")
ISSUED = re.compile(r"^t(\d{10})-")
# An id may say it was issued this far in the future (clocks of the app
# servers and the proxies differ a little).
CLOCK_SKEW = 300


class SessionIdSigner:
    def __init__(self, keys: Sequence[bytes], max_age: float | None = None) -> None:
        if not keys or not all(keys):
            raise ValueError("at least one non-empty session key is needed")
        self.keys = tuple(keys)
        self.max_age = max_age

    @staticmethod
    def new_id(now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        return f"t{issued:010d}-{secrets.token_urlsafe(30)}"

    @staticmethod
    def issued_at(session_id: str) -> int | None:
        """When the id says it was issued (epoch seconds), if it says."""
        found = ISSUED.match(session_id)
        return int(found.group(1)) if found else None

    def aged_out(self, cookie: str | None, now: float | None = None) -> str | None:
        """The id of a genuine cookie refused only for its age, else None."""
        if not cookie or len(cookie) > 200:
            return None
        session_id, sep, mac = cookie.rpartition(".")
        if not sep or not ID_PATTERN.match(session_id) or not MAC_PATTERN.match(mac):
            return None
        genuine = any(
            hmac.compare_digest(self._mac(key, session_id), mac) for key in self.keys
        )
        return session_id if genuine and not self._in_date(session_id, now) else None

    def _in_date(self, session_id: str, now: float | None) -> bool:
        found = ISSUED.match(session_id)
        if found is None or self.max_age is None:
            return True  # an id without its time: the session row decides
        age = (time.time() if now is None else now) - int(found.group(1))
        return -CLOCK_SKEW <= age <= self.max_age

    @staticmethod
    def _mac(key: bytes, session_id: str) -> str:
        return hmac.new(key, session_id.encode("ascii"), hashlib.sha256).hexdigest()

    def sign(self, session_id: str) -> str:
        return f"{session_id}.{self._mac(self.keys[0], session_id)}"

    def unsign(
        self, cookie: str | None, now: float | None = None
    ) -> tuple[str | None, bool]:
        """Return ``(id, current)``: the id when some key's MAC matches and
        the id is not past ``max_age`` (else None), and whether the current
        key signed it."""
        if not cookie or len(cookie) > 200:
            return None, False
        session_id, sep, mac = cookie.rpartition(".")
        if not sep or not ID_PATTERN.match(session_id) or not MAC_PATTERN.match(mac):
            return None, False
        for index, key in enumerate(self.keys):
            if hmac.compare_digest(self._mac(key, session_id), mac):
                if not self._in_date(session_id, now):
                    return None, False
                return session_id, index == 0
        return None, False

    def token(self, purpose: str, session_id: str) -> str:
        """A value derived from the session id for ``purpose`` (CSRF tokens)."""
        return self._mac(self.keys[0], f"{purpose}:{session_id}")

    def check_token(self, purpose: str, session_id: str, supplied: str) -> bool:
        # compare_digest takes ASCII strings only: anything else is no token.
        if not isinstance(supplied, str) or not supplied.isascii():
            return False
        return any(
            hmac.compare_digest(self._mac(key, f"{purpose}:{session_id}"), supplied)
            for key in self.keys
        )
