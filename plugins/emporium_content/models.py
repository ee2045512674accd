"""Content: editorial pages and what fills the storefront's slots, each with
a publish window, and every saved version of each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from emporium.database import Base, UTCDateTime, utcnow

# What a piece of content is: a page at /pages/<slug>, or an entry of a slot.
KINDS = ("page", "banner", "text", "picks", "rule")
SLOT_KINDS = KINDS[1:]
# Whether shoppers may see it (inside its window): never a draft.
STATES = ("draft", "published")
# What an editor sees in the list: a published item's place in its window.
STATUSES = ("draft", "scheduled", "live", "ended")
# The fields a version keeps, a diff compares and a revert restores.
FIELDS = (
    "kind",
    "slug",
    "title",
    "body",
    "section",
    "seo_title",
    "seo_description",
    "image_url",
    "image_alt",
    "link_url",
    "product_ids",
    "rule",
    "page",
    "slot",
    "position",
    "state",
    "starts_at",
    "ends_at",
)


class ContentItem(Base):
    __tablename__ = "content_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    section: Mapped[str | None] = mapped_column(String(60), nullable=True)
    seo_title: Mapped[str] = mapped_column(String(200), default="")
    seo_description: Mapped[str] = mapped_column(String(300), default="")
    image_url: Mapped[str] = mapped_column(String(500), default="")
    image_alt: Mapped[str] = mapped_column(String(200), default="")
    link_url: Mapped[str] = mapped_column(String(500), default="")
    product_ids: Mapped[list] = mapped_column(JSON, default=list)
    # A product list by rule: {"section", "max_price", "limit"}, newest first.
    rule: Mapped[dict] = mapped_column(JSON, default=dict)
    # Where a slot entry shows: the page's name and the slot's.
    page: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    slot: Mapped[str | None] = mapped_column(String(40), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )


class ContentVersion(Base):
    __tablename__ = "content_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("content_items.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict] = mapped_column(JSON)
