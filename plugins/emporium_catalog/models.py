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

from emporium.database import Base
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now
    )

    category: Mapped[Category | None] = relationship(lazy="raise_on_sql")

    @property
    def price(self) -> Decimal:
        return from_minor(self.price_minor, self.currency)

    @property
    def availability(self) -> str:
        """``in_stock``, ``low`` or ``sold_out``: what a shopper is told."""
        return availability_of(self.stock)

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.sku}>"
