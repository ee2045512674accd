"""The seeded catalog, by section: what a test may read but not change."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from emporium.testing.products import PRODUCTS


@dataclass(frozen=True)
class SeededProduct:
    id: int
    sku: str
    section: str
    name: str
    price_minor: int
    currency: str
    stock: int
    category_id: int | None

    @property
    def url(self) -> str:
        return f"/products/{self.id}"


class SeededCatalog:
    """The products seeded when the database was built (later ones, made by
    tests, are not among them), by section and by SKU."""

    def __init__(self, products: list[SeededProduct]) -> None:
        self._by_sku = {p.sku: p for p in products}
        self._by_section: dict[str, list[SeededProduct]] = {}
        for product in products:
            self._by_section.setdefault(product.section, []).append(product)

    @classmethod
    def load(cls, engine, up_to: int) -> SeededCatalog:
        """The products of ``engine``'s database whose id is at most ``up_to``."""
        columns = [PRODUCTS.c[name] for name in SeededProduct.__annotations__]
        with engine.connect() as connection:
            rows = connection.execute(
                select(*columns).where(PRODUCTS.c.id <= up_to).order_by(PRODUCTS.c.id)
            ).all()
        return cls([SeededProduct(*row) for row in rows])

    @property
    def sections(self) -> list[str]:
        return sorted(self._by_section)

    def skus(self, section: str) -> list[str]:
        """The SKUs seeded in ``section``, by id (empty for a section with
        no seeded products)."""
        return [p.sku for p in self._by_section.get(section, ())]

    def products(self, section: str) -> list[SeededProduct]:
        return list(self._by_section.get(section, ()))

    def product(self, sku: str) -> SeededProduct:
        try:
            return self._by_sku[sku]
        except KeyError:
            raise KeyError(f"no seeded product has the SKU {sku!r}") from None

    def __len__(self) -> int:
        return len(self._by_sku)
