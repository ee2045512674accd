"""A book's own fields, one row per product of the ``books`` section."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emporium.database import Base

FORMATS = ("hardcover", "paperback", "ebook", "audiobook")


class BookDetails(Base):
    __tablename__ = "book_details"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    author: Mapped[str] = mapped_column(String(200), index=True)
    isbn: Mapped[str] = mapped_column(String(17), unique=True)
    age_min: Mapped[int] = mapped_column(Integer)
    age_max: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(20), index=True)

    @property
    def age_range(self) -> str:
        return f"{self.age_min}–{self.age_max} years"


def isbn13(number: int) -> str:
    """A valid ISBN-13 in the 978 prefix for a serial number."""
    digits = f"978{number % 10**9:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits))
    return f"{digits}{(10 - total % 10) % 10}"
