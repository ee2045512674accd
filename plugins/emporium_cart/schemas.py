"""Checking what shoppers send: the same rules for forms and the API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from emporium.errors import InvalidInput
from emporium_cart.models import MAX_QUANTITY

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,185}\.[^@\s]{2,63}$")
POSTAL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$")
EXPIRY = re.compile(r"^(0[1-9]|1[0-2])/?([0-9]{2})$")
COUNTRIES = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "IE": "Ireland",
    "FR": "France",
    "DE": "Germany",
    "NL": "Netherlands",
    "ES": "Spain",
    "IT": "Italy",
    "AU": "Australia",
}


class InvalidFields(InvalidInput):
    """Several fields at once; ``errors`` maps each field to its message."""

    status = 422

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors))
        super().__init__(first, errors[first])
        self.errors = errors


def quantity(value, field: str = "quantity", allow_zero: bool = False) -> int:
    text = str(value).strip() if value is not None else ""
    if isinstance(value, bool) or not re.fullmatch(r"-?\d{1,6}", text):
        raise InvalidInput(field, "must be a whole number")
    number = int(text)
    low = 0 if allow_zero else 1
    if not low <= number <= MAX_QUANTITY:
        raise InvalidInput(field, f"must be from {low} to {MAX_QUANTITY}")
    return number


def product_id(value, field: str = "product_id") -> int:
    text = str(value).strip() if value is not None else ""
    if isinstance(value, bool) or not re.fullmatch(r"\d{1,18}", text) or int(text) < 1:
        raise InvalidInput(field, "must be a product id")
    return int(text)


def _luhn(number: str) -> bool:
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


@dataclass(frozen=True)
class CheckoutDetails:
    email: str
    name: str
    address: dict
    card: dict


def checkout(data: dict) -> CheckoutDetails:
    """Validate checkout fields; raise InvalidFields naming every bad one."""
    errors: dict[str, str] = {}
    address = data.get("address") if isinstance(data.get("address"), dict) else {}
    payment = data.get("payment") if isinstance(data.get("payment"), dict) else {}

    def text(source: dict, key: str, field: str, limit: int) -> str:
        value = source.get(key)
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            errors[field] = "is required"
        elif len(value) > limit:
            errors[field] = f"must be at most {limit} characters"
        elif any(ord(c) < 32 for c in value):
            errors[field] = "must not contain control characters"
        return value

    email = text(data, "email", "email", 254)
    if email and "email" not in errors and not EMAIL.match(email):
        errors["email"] = "must be an email address"
    name = text(data, "name", "name", 200)
    line1 = text(address, "line1", "address.line1", 200)
    city = text(address, "city", "address.city", 100)
    postal = text(address, "postal_code", "address.postal_code", 12)
    if postal and "address.postal_code" not in errors and not POSTAL_CODE.match(postal):
        errors["address.postal_code"] = "must be a postal code"
    country = text(address, "country", "address.country", 2).upper()
    if country and "address.country" not in errors and country not in COUNTRIES:
        errors["address.country"] = "must be one of " + ", ".join(sorted(COUNTRIES))

    number = re.sub(r"[\s-]", "", payment.get("card_number") or "")
    if not number:
        errors["payment.card_number"] = "is required"
    elif not re.fullmatch(r"\d{12,19}", number) or not _luhn(number):
        errors["payment.card_number"] = "must be a valid card number"
    expiry = (
        (payment.get("expiry") or "").strip()
        if isinstance(payment.get("expiry"), str)
        else ""
    )
    match = EXPIRY.match(expiry)
    if not expiry:
        errors["payment.expiry"] = "is required"
    elif not match:
        errors["payment.expiry"] = "must be MM/YY"
    else:
        now = datetime.now(UTC)
        year, month = 2000 + int(match.group(2)), int(match.group(1))
        if (year, month) < (now.year, now.month):
            errors["payment.expiry"] = "the card has expired"
    cvc = payment.get("cvc") if isinstance(payment.get("cvc"), str) else ""
    if not cvc:
        errors["payment.cvc"] = "is required"
    elif not re.fullmatch(r"\d{3,4}", cvc):
        errors["payment.cvc"] = "must be 3 or 4 digits"

    if errors:
        raise InvalidFields(errors)
    return CheckoutDetails(
        email=email,
        name=name,
        address={
            "line1": line1,
            "city": city,
            "postal_code": postal,
            "country": country,
        },
        card={"number": number, "expiry": expiry, "cvc": cvc},
    )


def checkout_from_form(form) -> dict:
    """The checkout form's flat fields in the API's nested shape."""
    return {
        "email": form.get("email"),
        "name": form.get("name"),
        "address": {
            k: form.get(f"address.{k}")
            for k in ("line1", "city", "postal_code", "country")
        },
        "payment": {
            k: form.get(f"payment.{k}") for k in ("card_number", "expiry", "cvc")
        },
    }
