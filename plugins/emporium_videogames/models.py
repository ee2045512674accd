"""A video game's own fields, one row per product of the ``videogames`` section."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from emporium.database import Base

PLATFORMS = ("PlayStation 5", "Xbox Series X", "Nintendo Switch", "PC", "Steam Deck")
# ESRB ratings
CONTENT_RATINGS = ("E", "E10+", "T", "M", "RP")
GENRES = (
    "Adventure",
    "Platformer",
    "Puzzle",
    "Racing",
    "Role-playing",
    "Sports",
    "Strategy",
)


class VideoGameDetails(Base):
    __tablename__ = "videogame_details"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    platform: Mapped[str] = mapped_column(String(40), index=True)
    content_rating: Mapped[str] = mapped_column(String(10), index=True)
    genre: Mapped[str] = mapped_column(String(40))
