"""State that travels through a form or a URL, encrypted and authenticated
with Fernet; ``MultiFernet`` so that keys rotate (the first encrypts)."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from zope.interface import implementer

from emporium.errors import ConfigurationError, InvalidInput
from emporium.interfaces import ITokenSealer


def _fernet_key(secret: str) -> bytes:
    # Any strong secret works: it is stretched to Fernet's 32-byte key.
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


@implementer(ITokenSealer)
class TokenSealer:
    def __init__(self, secrets: list[str]) -> None:
        if not secrets:
            raise ConfigurationError("emporium.tokens.secret is not set")
        self._fernet = MultiFernet([Fernet(_fernet_key(s)) for s in secrets])

    def seal(self, purpose: str, payload: dict) -> str:
        body = json.dumps({"p": purpose, "d": payload}, separators=(",", ":"))
        return self._fernet.encrypt(body.encode()).decode()

    def open(
        self, purpose: str, token: str, field: str, max_age: int | None = None
    ) -> dict:
        """The payload of ``token``; InvalidInput naming ``field`` when it was
        tampered with, is too old, or was made for another purpose."""
        try:
            body = json.loads(self._fernet.decrypt(token.encode(), ttl=max_age))
        except (InvalidToken, ValueError, UnicodeError):
            raise InvalidInput(field, "is not valid or has expired") from None
        if not isinstance(body, dict) or body.get("p") != purpose:
            raise InvalidInput(field, "is not valid here")
        return body.get("d") or {}


def sealer(request) -> TokenSealer:
    return request.registry.getUtility(ITokenSealer)
