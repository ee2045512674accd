"""Money: ``Decimal`` amounts with an ISO 4217 currency, stored in minor units."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

# Currencies whose minor unit is not the cent.
_EXPONENTS = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3}


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def from_minor(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-exponent(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    quantum = Decimal(1).scaleb(-exponent(currency))
    return int(
        amount.quantize(quantum, rounding=ROUND_HALF_EVEN).scaleb(exponent(currency))
    )
