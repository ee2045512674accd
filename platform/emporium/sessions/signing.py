"""Session ids: a random value and its HMAC-SHA256 under a server-only key.

The cookie is ``<id>.<mac>`` with ``mac`` the lowercase hex HMAC-SHA256 of
``id``. Several keys may be configured: the first signs, every one verifies,
so keys rotate without logging anyone out. The proxy tier computes the same
MAC for the ids it assigns to first-time visitors (deploy/varnish).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
MAC_PATTERN = re.compile(r"^[0-9a-f]{64}$")


class SessionIdSigner:
    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys or not all(keys):
            raise ValueError("at least one non-empty session key is needed")
        self.keys = tuple(keys)

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def _mac(key: bytes, session_id: str) -> str:
        return hmac.new(key, session_id.encode("ascii"), hashlib.sha256).hexdigest()

    def sign(self, session_id: str) -> str:
        return f"{session_id}.{self._mac(self.keys[0], session_id)}"

    def unsign(self, cookie: str | None) -> tuple[str | None, bool]:
        """Return ``(id, current)``: the id when some key's MAC matches (else
        None), and whether the current key signed it."""
        if not cookie or len(cookie) > 200:
            return None, False
        session_id, sep, mac = cookie.rpartition(".")
        if not sep or not ID_PATTERN.match(session_id) or not MAC_PATTERN.match(mac):
            return None, False
        for index, key in enumerate(self.keys):
            if hmac.compare_digest(self._mac(key, session_id), mac):
                return session_id, index == 0
        return None, False

    def token(self, purpose: str, session_id: str) -> str:
        """A value derived from the session id for ``purpose`` (CSRF tokens)."""
        return self._mac(self.keys[0], f"{purpose}:{session_id}")

    def check_token(self, purpose: str, session_id: str, supplied: str) -> bool:
        return any(
            hmac.compare_digest(self._mac(key, f"{purpose}:{session_id}"), supplied)
            for key in self.keys
        )
