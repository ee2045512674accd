"""The shipped test gateway conforms to ``IPaymentGateway``."""

from __future__ import annotations

import pytest

from emporium_cart import payments
from tests.unit.emporium_cart.conformance import PaymentGatewayConformance


def card(number: str) -> dict:
    return {"number": number, "expiry": "12/30", "cvc": "123"}


class TestTheTestGateway(PaymentGatewayConformance):
    @pytest.fixture
    def gateway(self):
        return payments.TestPaymentGateway()

    @pytest.fixture
    def approved_card(self):
        return card(payments.APPROVED)

    @pytest.fixture
    def declined_card(self):
        return card(payments.DECLINED)
