"""The audit log: who changed or purged what, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from emporium.database import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Who: "user:<id> <email>", "cli:<login>", "system".
    actor: Mapped[str] = mapped_column(String(300), index=True)
    # What kind: "purge.url", "purge.key", "product.update", "import", ...
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(60), default="ok")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


def record(
    dbsession: Session,
    actor: str,
    action: str,
    target: str,
    result: str = "ok",
    **detail,
) -> AuditEntry:
    """Add an audit entry to ``dbsession`` (it commits with the change)."""
    entry = AuditEntry(
        actor=actor, action=action, target=target, result=result, detail=detail
    )
    dbsession.add(entry)
    return entry


def includeme(config) -> None:
    """The audit log's table is part of the core schema (core_0002)."""
