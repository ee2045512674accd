"""Catalog models: categories and products.

Prices are kept in minor units (cents) beside an ISO 4217 currency code, so
that no database, SQLite included, ever rounds money through a float.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emporium.database import Base, UTCDateTime
from emporium.money import from_minor

LOW_STOCK = 5


def availability_of(stock: int) -> str:
    """``in_stock``, ``low`` or ``sold_out``: what a shopper is told."""
    if stock <= 0:
        return "sold_out"
    if stock <= LOW_STOCK:
        return "low"
    return "in_stock"


def _now() -> datetime:
    return datetime.now(UTC)


def current_price_minor(
    price_minor: int,
    sale_price_minor: int | None,
    sale_starts_at: datetime | None,
    sale_ends_at: datetime | None,
    now: datetime | None = None,
) -> int:
    """The price a shopper pays at ``now``: the sale price between its start
    (inclusive) and its end (exclusive), the regular price otherwise. A sale
    with no start has begun; one with no end goes on."""
    if sale_price_minor is None:
        return price_minor
    now = now or _now()
    if sale_starts_at is not None and now < sale_starts_at:
        return price_minor
    if sale_ends_at is not None and now >= sale_ends_at:
        return price_minor
    return sale_price_minor


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    section: Mapped[str] = mapped_column(String(40), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        # Keyset pagination of a category or section by best-seller rank.
        Index("ix_products_category_rank", "category_id", "best_seller_rank", "id"),
        Index("ix_products_section_rank", "section", "best_seller_rank", "id"),
        # Keyset pagination of the admin's list, newest first, by section or
        # category: no sort of a whole section at a million products.
        Index("ix_products_section_newest", "section", "id"),
        Index("ix_products_category_newest", "category_id", "id"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    section: Mapped[str] = mapped_column(String(40))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str] = mapped_column(String(500), default="")
    price_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    stock: Mapped[int] = mapped_column(Integer, default=0)
    best_seller_rank: Mapped[int] = mapped_column(Integer, default=1_000_000)
    # A scheduled sale: the sale price applies from its start to its end.
    sale_price_minor: Mapped[int | None] = mapped_column(Integer)
    sale_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sale_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now
    )

    category: Mapped[Category | None] = relationship(lazy="raise_on_sql")

    @property
    def price(self) -> Decimal:
        return from_minor(self.price_minor, self.currency)

    def current_price_minor(self, now: datetime | None = None) -> int:
        """The price in minor units at ``now``, the sale price while it runs."""
        return current_price_minor(
            self.price_minor,
            self.sale_price_minor,
            self.sale_starts_at,
            self.sale_ends_at,
            now,
        )

    @property
    def availability(self) -> str:
        """``in_stock``, ``low`` or ``sold_out``: what a shopper is told."""
        return availability_of(self.stock)

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.sku}>"
