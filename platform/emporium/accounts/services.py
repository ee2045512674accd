"""Customer accounts: registration and password checks."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emporium.database import utcnow
from emporium.errors import InvalidInput
from emporium.interfaces import IPasswordHasher
from emporium.security.models import User
from emporium.security.passwords import dummy_verify

MIN_PASSWORD = 10


class EmailTaken(InvalidInput):
    """The email already has an account. The store's registration form does
    not say so (it would tell anyone which emails have accounts)."""

    def __init__(self) -> None:
        super().__init__("email", "already has an account; log in instead")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    dbsession: Session,
    hasher: IPasswordHasher,
    email: str,
    password: str,
    name: str = "",
    roles: str = "customer",
) -> User:
    email = normalize_email(email)
    if "@" not in email or len(email) > 254 or " " in email:
        raise InvalidInput("email", "must be an email address")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password", f"must be at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise InvalidInput("password", "must be at most 1024 characters")
    if dbsession.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise EmailTaken()
    user = User(
        email=email,
        name=name.strip()[:200],
        password_hash=hasher.hash(password),
        roles=roles,
    )
    dbsession.add(user)
    dbsession.flush()
    return user


def authenticate(
    dbsession: Session, hasher: IPasswordHasher, email: str, password: str
) -> User | None:
    """The user whose email and password these are, or None. Hashes are
    upgraded when the hashing parameters changed since they were made."""
    user = dbsession.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        dummy_verify(hasher, password)
        return None
    if not hasher.verify(user.password_hash, password):
        return None
    if hasher.needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = utcnow()
    return user
