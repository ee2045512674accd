"""The built-in test payment gateway, following the common test-card
convention: 4242 4242 4242 4242 approves, 4000 0000 0000 0002 declines."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from pyramid.config import Configurator
from pyramid.path import DottedNameResolver
from zope.interface import implementer

from emporium.errors import EmporiumError
from emporium.interfaces import IPaymentGateway
from emporium.settings import setting_value

log = logging.getLogger(__name__)

APPROVED = "4242424242424242"
DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"


class PaymentDeclined(EmporiumError):
    status = 402

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PaymentResult:
    reference: str
    amount: Decimal
    currency: str
    card_last4: str


@implementer(IPaymentGateway)
class TestPaymentGateway:
    """Approves and declines by card number; keeps no money anywhere."""

    def charge(self, amount: Decimal, currency: str, card: dict, reference: str):
        number = card["number"]
        if number == DECLINED:
            raise PaymentDeclined("The card was declined.")
        if number == INSUFFICIENT_FUNDS:
            raise PaymentDeclined("The card has insufficient funds.")
        if number != APPROVED:
            raise PaymentDeclined("The card was declined by the test gateway.")
        return PaymentResult(
            reference=f"test_{secrets.token_hex(8)}",
            amount=amount,
            currency=currency,
            card_last4=number[-4:],
        )

    def refund(self, result: PaymentResult) -> None:
        log.warning(
            "refunding %s %s (%s)", result.amount, result.currency, result.reference
        )


def includeme(config: Configurator) -> None:
    """The payment gateway: one process-wide ``IPaymentGateway`` utility,
    of the class the ``emporium.payment.gateway`` setting names."""
    dotted = setting_value(config.get_settings(), "emporium.payment.gateway")
    gateway = DottedNameResolver().resolve(dotted)()
    if not IPaymentGateway.providedBy(gateway):
        raise TypeError(f"{type(gateway).__name__} does not provide IPaymentGateway")
    config.registry.registerUtility(gateway, IPaymentGateway)
