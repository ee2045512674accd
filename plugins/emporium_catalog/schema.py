"""The one schema of product input: the admin form, the CSV import and any
API parse a product with it, and every error names its field.

Input is text by field name. A field that is absent (or None) is not given:
an update keeps what the product has, a new product gets the default. The
section's own fields come from what the section declares, so a new plugin's
fields need no change here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from sqlalchemy import Integer, inspect

from emporium.money import exponent, from_minor, to_minor

MAX_PRICE_MINOR = 2**31 - 1
MAX_STOCK = 10_000_000
MAX_RANK = 2**31 - 1
MAX_IMAGE_URL = 500
TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
SALE_FIELDS = ("sale_price", "sale_starts_at", "sale_ends_at")


@dataclass(frozen=True)
class InputField:
    """One of a section's own fields, as input takes it."""

    name: str
    label: str
    kind: str = "text"  # text, int, choice
    choices: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None
    writable: bool = True
    unique: bool = False


def section_input_fields(section) -> list[InputField]:
    """The inputs of ``section``'s own fields: each declared field its model
    can store (a column, or a property with a setter), read-only when it
    cannot; then any column the model needs that no declared field fills
    (so a product of the section can be created)."""
    model = section.details_model
    if model is None:
        return []
    columns = {c.key: c for c in inspect(model).columns if not c.primary_key}
    fields: list[InputField] = []
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
            InputField(
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
            InputField(
                name,
                name.replace("_", " ").capitalize(),
                "int" if isinstance(column.type, Integer) else "text",
                required=needed,
                max_length=getattr(column.type, "length", None),
                unique=bool(column.unique),
            )
        )
    return fields


# -- one value ---------------------------------------------------------------


def parse_field(field: InputField, raw: str | None, errors: dict, prefix: str = ""):
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
    # Before quantize, which cannot hold an amount like 1e30 to the cent.
    if amount > MAX_PRICE_MINOR:
        errors[field] = "is too large"
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


def parse_image_url(text: str, field: str, errors: dict) -> str:
    """A path on this site or an https:// URL. A browser reads ``//host``
    and ``/\\host`` as another host, and drops tabs and line breaks from a
    URL: none of them passes."""
    text = (text or "").strip()
    if len(text) > MAX_IMAGE_URL:
        errors[field] = f"must be at most {MAX_IMAGE_URL} characters"
    elif text and not _safe_image_url(text):
        errors[field] = "must be a path on this site or an https:// URL"
    return text


def _safe_image_url(text: str) -> bool:
    if "\\" in text or any(c.isspace() or not c.isprintable() for c in text):
        return False
    if text.startswith("/"):
        return not text.startswith("//")
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname)


def money_text(minor: int | None, currency: str) -> str:
    return "" if minor is None else f"{from_minor(minor, currency)}"


def time_text(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


# -- a product ---------------------------------------------------------------


def product_text(product) -> dict[str, str]:
    """A product's own columns as the text ``parse_product`` takes back (its
    category aside: by id in a form, by slug in a file)."""
    currency = product.currency
    return {
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "image_url": product.image_url,
        "currency": currency,
        "price": money_text(product.price_minor, currency),
        "stock": str(product.stock),
        "best_seller_rank": str(product.best_seller_rank),
        "sale_price": money_text(product.sale_price_minor, currency),
        "sale_starts_at": time_text(product.sale_starts_at),
        "sale_ends_at": time_text(product.sale_ends_at),
    }


def parse_product(
    given: Mapping[str, str | None], categories: Mapping[int, str], errors: dict
) -> dict:
    """The product's own columns from ``given``; ``categories`` maps the ids
    of its section's categories to their slugs. The category is given by id
    (``category_id``, empty for none) or by slug (``category``)."""
    values: dict = {}
    sku = (given.get("sku") or "").strip()
    if not sku:
        errors["sku"] = "is required"
    elif len(sku) > 40 or any(c.isspace() for c in sku):
        errors["sku"] = "must be at most 40 characters, without spaces"
    values["sku"] = sku
    name = (given.get("name") or "").strip()
    if not name:
        errors["name"] = "is required"
    elif len(name) > 300:
        errors["name"] = "must be at most 300 characters"
    values["name"] = name
    if given.get("description") is not None:
        values["description"] = given["description"].strip()
    if given.get("image_url") is not None:
        values["image_url"] = parse_image_url(given["image_url"], "image_url", errors)
    currency = (given.get("currency") or "USD").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors["currency"] = "must be a three-letter code such as USD"
        currency = "USD"
    values["currency"] = currency
    values["price_minor"] = parse_money(given.get("price"), currency, "price", errors)
    if given.get("stock") is not None:
        values["stock"] = parse_int(given["stock"], "stock", errors, 0, MAX_STOCK)
    if given.get("best_seller_rank") is not None:
        values["best_seller_rank"] = parse_int(
            given["best_seller_rank"], "best_seller_rank", errors, 1, MAX_RANK
        )
    _category(given, categories, values, errors)
    if any(given.get(name) is not None for name in SALE_FIELDS):
        _sale(given, currency, values, errors)
    return values


def _category(given, categories: Mapping[int, str], values: dict, errors) -> None:
    ident = given.get("category_id")
    if ident is not None:
        ident = ident.strip()
        values["category_id"] = None
        if ident and (not ident.isdigit() or int(ident) not in categories):
            errors["category_id"] = "must be a category of this section"
        elif ident:
            values["category_id"] = int(ident)
    slug = (given.get("category") or "").strip()
    if slug:
        found = [i for i, s in categories.items() if s == slug]
        if not found:
            section = given.get("section") or "this section"
            errors["category"] = f"no category {slug!r} in {section}"
        values["category_id"] = found[0] if found else None


def _sale(given, currency: str, values: dict, errors: dict) -> None:
    """A scheduled sale: a price below the price, and its start before its
    end; a start or an end needs the sale price."""
    sale = (given.get("sale_price") or "").strip()
    values["sale_price_minor"] = (
        parse_money(sale, currency, "sale_price", errors) if sale else None
    )
    starts = parse_time(given.get("sale_starts_at"), "sale_starts_at", errors)
    ends = parse_time(given.get("sale_ends_at"), "sale_ends_at", errors)
    if starts and ends and ends <= starts:
        errors["sale_ends_at"] = "must be after the start"
    if (starts or ends) and not sale and "sale_price" not in errors:
        errors["sale_price"] = "is required when the sale has a start or an end"
    price, sale_minor = values["price_minor"], values["sale_price_minor"]
    if sale_minor is not None and price is not None and sale_minor >= price:
        errors["sale_price"] = "must be lower than the price"
    values["sale_starts_at"] = starts
    values["sale_ends_at"] = ends


def parse_details(
    fields: list[InputField],
    given: Mapping[str, str | None],
    errors: dict,
    prefix: str = "",
) -> dict:
    """The section's own writable fields that ``given`` has, by name."""
    return {
        f.name: parse_field(f, given[f.name], errors, prefix)
        for f in fields
        if f.writable and given.get(f.name) is not None
    }
