"""Product and category forms: what the form shows and how its inputs map
to the catalog's product schema (``emporium_catalog.schema``, shared with
the CSV import); the category form's checks, with each field's error named."""

from __future__ import annotations

import re

from emporium_catalog.schema import parse_int, product_text

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The product form's inputs, and what an input left out of a post means.
INPUTS = (
    "sku",
    "name",
    "description",
    "image_url",
    "category_id",
    "currency",
    "price",
    "stock",
    "best_seller_rank",
    "sale_price",
    "sale_starts_at",
    "sale_ends_at",
)
FORM_DEFAULTS = {"stock": "0", "best_seller_rank": "1000000"}


def product_values(product) -> dict:
    """A product's fields as the form shows them."""
    return product_text(product) | {"category_id": str(product.category_id or "")}


def details_values(fields, row) -> dict:
    """The section's ``fields`` of its product's ``row`` as the form shows
    them (empty for a new product)."""
    values = {}
    for field in fields:
        value = getattr(row, field.name, None) if row is not None else None
        values[field.name] = "" if value is None else str(value)
    return values


def product_input(params) -> dict:
    """The product's fields as the catalog's schema takes them, from a
    submitted form: every input is given (an empty one is empty)."""
    return {name: params.get(name, FORM_DEFAULTS.get(name, "")) for name in INPUTS}


def details_input(params, fields) -> dict:
    """The section's own fields from a submitted form (``detail.<name>``)."""
    return {f.name: params.get(f"detail.{f.name}", "") for f in fields}


def parse_category(params, errors: dict, sections: list[str]) -> dict:
    name = (params.get("name") or "").strip()
    if not name:
        errors["name"] = "is required"
    elif len(name) > 200:
        errors["name"] = "must be at most 200 characters"
    slug = (params.get("slug") or "").strip().lower()
    if not slug:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not SLUG.match(slug) or len(slug) > 120:
        errors["slug"] = "must be lowercase letters, digits and dashes"
    section = (params.get("section") or "").strip()
    if section not in sections:
        errors["section"] = "must be one of the store's sections"
    position = parse_int(params.get("position") or "0", "position", errors, 0, 10_000)
    return {
        "name": name,
        "slug": slug,
        "section": section,
        "position": position,
        "description": (params.get("description") or "").strip(),
    }
