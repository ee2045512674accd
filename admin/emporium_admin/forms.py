"""Product and category forms: fields, parsing and checks, with the error of
each field named. The section's own fields come from what the section
declares, so a new plugin's fields appear here without changes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import Integer, inspect

from emporium.money import exponent, from_minor, to_minor

MAX_PRICE_MINOR = 2**31 - 1
MAX_STOCK = 10_000_000
TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class FormField:
    """One input of a section's own fields, as the form shows it."""

    name: str
    label: str
    kind: str = "text"  # text, int, choice
    choices: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None
    writable: bool = True
    unique: bool = False


def section_form_fields(section) -> list[FormField]:
    """The inputs of ``section``'s own fields: each declared field its model
    can store (a column, or a property with a setter), shown read-only when
    it cannot; then any column the model needs that no declared field
    fills (so a product of the section can be created)."""
    model = section.details_model
    if model is None:
        return []
    columns = {c.key: c for c in inspect(model).columns if not c.primary_key}
    fields: list[FormField] = []
    covered: set[str] = set()
    for declared in section.fields:
        column = columns.get(declared.name)
        prop = getattr(model, declared.name, None)
        writable = column is not None or (
            isinstance(prop, property) and prop.fset is not None
        )
        length = getattr(getattr(column, "type", None), "length", None)
        kind = declared.kind
        if column is not None and isinstance(column.type, Integer) and kind == "text":
            kind = "int"
        fields.append(
            FormField(
                declared.name,
                declared.label,
                kind,
                tuple(declared.choices),
                declared.required,
                length,
                writable,
                bool(column is not None and column.unique),
            )
        )
        covered.add(declared.name)
    for name, column in columns.items():
        if name in covered or column.foreign_keys:
            continue
        needed = not column.nullable and column.default is None
        fields.append(
            FormField(
                name,
                name.replace("_", " ").capitalize(),
                "int" if isinstance(column.type, Integer) else "text",
                required=needed,
                max_length=getattr(column.type, "length", None),
                unique=bool(column.unique),
            )
        )
    return fields


def parse_field(field: FormField, raw: str | None, errors: dict, prefix: str = ""):
    """The value of one section field from its text, or None (with the error
    recorded under ``prefix + field.name``)."""
    key = prefix + field.name
    text = (raw or "").strip()
    if not text:
        if field.required:
            errors[key] = "is required"
        return None
    if field.kind == "int":
        if not re.fullmatch(r"-?\d{1,9}", text):
            errors[key] = "must be a whole number"
            return None
        return int(text)
    if field.kind == "choice" and field.choices and text not in field.choices:
        errors[key] = f"must be one of: {', '.join(field.choices)}"
        return None
    if field.max_length and len(text) > field.max_length:
        errors[key] = f"must be at most {field.max_length} characters"
        return None
    return text


def parse_money(text: str, currency: str, field: str, errors: dict) -> int | None:
    text = (text or "").strip().replace(",", "")
    if not text:
        errors[field] = "is required"
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors[field] = "must be an amount such as 19.99"
        return None
    if not amount.is_finite() or amount < 0:
        errors[field] = "must be an amount of zero or more"
        return None
    if amount != amount.quantize(Decimal(1).scaleb(-exponent(currency))):
        errors[field] = f"has too many decimals for {currency}"
        return None
    minor = to_minor(amount, currency)
    if minor > MAX_PRICE_MINOR:
        errors[field] = "is too large"
        return None
    return minor


def parse_int(text: str, field: str, errors: dict, low: int, high: int) -> int | None:
    text = (text or "").strip()
    if not re.fullmatch(r"-?\d{1,10}", text):
        errors[field] = "must be a whole number"
        return None
    value = int(text)
    if not low <= value <= high:
        errors[field] = f"must be from {low:,} to {high:,}"
        return None
    return value


def parse_time(text: str, field: str, errors: dict) -> datetime | None:
    """A time in UTC from a ``datetime-local`` input (or an ISO date)."""
    text = (text or "").strip()
    if not text:
        return None
    if text.endswith("Z") or "+" in text[10:]:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            pass
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    errors[field] = "must be a date and time such as 2026-12-01T09:00"
    return None


def money_text(minor: int | None, currency: str) -> str:
    return "" if minor is None else f"{from_minor(minor, currency)}"


def time_text(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def product_values(product) -> dict:
    """A product's fields as the form shows them."""
    return {
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "image_url": product.image_url,
        "category_id": str(product.category_id or ""),
        "currency": product.currency,
        "price": money_text(product.price_minor, product.currency),
        "stock": str(product.stock),
        "best_seller_rank": str(product.best_seller_rank),
        "sale_price": money_text(product.sale_price_minor, product.currency),
        "sale_starts_at": time_text(product.sale_starts_at),
        "sale_ends_at": time_text(product.sale_ends_at),
    }


def parse_product(params, categories: dict[int, object], errors: dict) -> dict:
    """The product's own columns from a submitted form."""
    values: dict = {}
    sku = (params.get("sku") or "").strip()
    if not sku:
        errors["sku"] = "is required"
    elif len(sku) > 40 or any(c.isspace() for c in sku):
        errors["sku"] = "must be at most 40 characters, without spaces"
    values["sku"] = sku
    name = (params.get("name") or "").strip()
    if not name:
        errors["name"] = "is required"
    elif len(name) > 300:
        errors["name"] = "must be at most 300 characters"
    values["name"] = name
    values["description"] = (params.get("description") or "").strip()
    image = (params.get("image_url") or "").strip()
    if len(image) > 500:
        errors["image_url"] = "must be at most 500 characters"
    elif image and not (image.startswith("/") or image.startswith("https://")):
        errors["image_url"] = "must be a path or an https:// URL"
    values["image_url"] = image
    currency = (params.get("currency") or "USD").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors["currency"] = "must be a three-letter code such as USD"
        currency = "USD"
    values["currency"] = currency
    values["price_minor"] = parse_money(params.get("price"), currency, "price", errors)
    values["stock"] = parse_int(params.get("stock", "0"), "stock", errors, 0, MAX_STOCK)
    values["best_seller_rank"] = parse_int(
        params.get("best_seller_rank", "1000000"),
        "best_seller_rank",
        errors,
        1,
        2**31 - 1,
    )
    category = (params.get("category_id") or "").strip()
    values["category_id"] = None
    if category:
        if not category.isdigit() or int(category) not in categories:
            errors["category_id"] = "must be a category of this section"
        else:
            values["category_id"] = int(category)
    sale = (params.get("sale_price") or "").strip()
    values["sale_price_minor"] = (
        parse_money(sale, currency, "sale_price", errors) if sale else None
    )
    starts = parse_time(params.get("sale_starts_at"), "sale_starts_at", errors)
    ends = parse_time(params.get("sale_ends_at"), "sale_ends_at", errors)
    if starts and ends and ends <= starts:
        errors["sale_ends_at"] = "must be after the start"
    if (starts or ends) and not sale and "sale_price" not in errors:
        errors["sale_price"] = "is required when the sale has a start or an end"
    if (
        values["sale_price_minor"] is not None
        and values["price_minor"] is not None
        and values["sale_price_minor"] >= values["price_minor"]
    ):
        errors["sale_price"] = "must be lower than the price"
    values["sale_starts_at"] = starts
    values["sale_ends_at"] = ends
    return values


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
