"""A {{ cookiecutter.title }} product's own fields, one row per product of
the section; migrations/ creates the table."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emporium.database import Base

FORMATS = ("Standard", "Deluxe", "Collector's edition")


class SectionDetails(Base):
    __tablename__ = "{{ cookiecutter.section }}_details"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    maker: Mapped[str] = mapped_column(String(200))
    format: Mapped[str | None] = mapped_column(String(40), index=True)
    year: Mapped[int | None] = mapped_column(Integer)
