"""The page positions of the catalog's category listings."""

from __future__ import annotations

from dataclasses import dataclass

from emporium.errors import InvalidInput


@dataclass(frozen=True)
class Cursor:
    """A position in best-seller order: (rank, id) of a product."""

    rank: int
    id: int

    def __str__(self) -> str:
        return f"{self.rank}.{self.id}"

    @classmethod
    def parse(cls, field: str, value: str | None) -> Cursor | None:
        if value is None or value == "":
            return None
        rank, sep, ident = value.partition(".")
        # ASCII digits that fit the database's 64-bit integers.
        if not sep or not all(
            part.isascii() and part.isdigit() and len(part) <= 18
            for part in (rank, ident)
        ):
            raise InvalidInput(field, "must be a page position such as 120.5031")
        return cls(int(rank), int(ident))
