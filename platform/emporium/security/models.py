"""People who log in: customers and the store's staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from emporium.database import Base, UTCDateTime, utcnow

ROLES = ("customer", "merchandiser", "administrator")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    # Space-separated roles from ROLES.
    roles: Mapped[str] = mapped_column(String(200), default="customer")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
