"""Password hashing with Argon2id, rehashed on login when parameters change."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zope.interface import implementer

from emporium.interfaces import IPasswordHasher


@implementer(IPasswordHasher)
class Argon2Hasher:
    def __init__(self, time_cost: int = 3, memory_cost: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


# Spent on unknown accounts so that timing does not reveal which emails exist.
_DUMMY_HASH = None


def dummy_verify(hasher: Argon2Hasher, password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hasher.hash("not a real password")
    hasher.verify(_DUMMY_HASH, password)
