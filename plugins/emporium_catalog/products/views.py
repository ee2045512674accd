"""What templates see of products and categories: flat, read-only views of
the cached partitions, and a page of a listing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from emporium.money import from_minor
from emporium_catalog.models import availability_of, current_price_minor
from emporium_catalog.products.partitions import (
    COLUMNS,
    IMAGES,
    PRICING,
    earliest,
    moment,
    next_change,
    section_partition,
)


@dataclass(frozen=True, slots=True)
class CategoryView:
    id: int
    slug: str
    name: str
    section: str
    description: str
    # The cached record it was made from (see emporium.cache.render).
    source: dict | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, record: dict | None) -> CategoryView | None:
        return None if record is None else cls(**record, source=record)


class ProductView:
    """One flat, read-only structure of a product for templates: attributes
    (``product.name``) and items (``product["name"]``) alike. Fields of
    partitions that were not loaded are None."""

    __slots__ = (
        "id",
        "sku",
        "section",
        "category_id",
        "name",
        "description",
        "image_url",
        "photos",
        "price_minor",
        "currency",
        "price",
        "stock",
        "availability",
        "category",
        "details",
        "fields",
        "sources",
        "changes_at",
    )

    def __init__(self, product_id: int, **fields: Any) -> None:
        self.id = product_id
        for name in self.__slots__[1:]:
            setattr(self, name, fields.get(name))

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)

    def __repr__(self) -> str:
        return f"<ProductView {self.id} {self.name!r}>"


class FieldValues(dict):
    """A product's section fields by name: ``product.fields.artist`` in a
    template, or ``product.fields["artist"]``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"no section field {name!r} (fields: {', '.join(self) or 'none'})"
            ) from None


class CatalogProduct:
    """A product as the partitions that were loaded; ``view()`` flattens it."""

    __slots__ = ("id", "partitions", "category", "section")

    def __init__(self, product_id: int, partitions: dict[str, dict]) -> None:
        self.id = product_id
        self.partitions = partitions
        self.category: dict | None = None
        self.section = None

    def __getitem__(self, partition: str) -> dict:
        return self.partitions[partition]

    @property
    def sources(self) -> tuple:
        """The cached values this product shows (see emporium.cache.render)."""
        return (*self.partitions.values(), self.category)

    @property
    def changes_at(self) -> float | None:
        """When the view changes by itself (a sale starts or ends), if ever."""
        return next_change(self.partitions.get(PRICING))

    def view(self) -> ProductView:
        fields: dict[str, Any] = {}
        for partition, values in self.partitions.items():
            if partition in COLUMNS:
                fields.update(values)
        if "price_minor" in fields:
            fields["price_minor"] = current_price_minor(
                fields["price_minor"],
                fields.pop("sale_price_minor", None),
                moment(fields.pop("sale_starts_at", None)),
                moment(fields.pop("sale_ends_at", None)),
            )
            fields["price"] = from_minor(fields["price_minor"], fields["currency"])
        if "stock" in fields:
            fields["availability"] = availability_of(fields["stock"])
        images = self.partitions.get(IMAGES)
        fields["photos"] = images["photos"] if images else []
        fields["category"] = CategoryView.of(self.category)
        section = self.section
        own = self.partitions.get(section_partition(section)) if section else None
        fields["details"] = (
            [(f.label, own.get(f.name)) for f in section.fields] if own else []
        )
        fields["fields"] = FieldValues(
            {f.name: own.get(f.name) for f in section.fields} if own else {}
        )
        fields["sources"] = self.sources
        fields["changes_at"] = self.changes_at
        return ProductView(self.id, **fields)


@dataclass(frozen=True)
class Page:
    items: Sequence[ProductView]
    next: str | None
    previous: str | None
    source: Any = field(default=None, compare=False, repr=False)

    @property
    def sources(self) -> tuple:
        return (self.source, *(s for item in self.items for s in item.sources))

    @property
    def changes_at(self) -> float | None:
        return earliest(item.changes_at for item in self.items)
