"""The ``product_images`` table: one row per photo of a product."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emporium.database import Base


class ProductImage(Base):
    __tablename__ = "product_images"
    __table_args__ = (Index("ix_product_images_product", "product_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    alt: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(255))
    # {kind: {"width", "height", "webp": [1x, 2x], "fallback": [1x, 2x],
    #  "type": "jpg" or "png"}}: media store names of the derivatives.
    sources: Mapped[dict] = mapped_column(JSON)

    def record(self) -> dict:
        """What the ``images`` cache partition keeps of the photo."""
        return {"id": self.id, "alt": self.alt, "sources": self.sources}
