"""Behaviour every ``IPaymentGateway`` shows: a test class mixes this in and
provides ``gateway``, and the ``approved_card`` and ``declined_card`` that
gateway's test mode knows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from zope.interface.verify import verifyObject

from emporium.interfaces import IPaymentGateway
from emporium_cart.payments import PaymentDeclined


class PaymentGatewayConformance:
    def test_provides_the_interface(self, gateway):
        assert verifyObject(IPaymentGateway, gateway)

    def test_a_charge_answers_what_was_taken(self, gateway, approved_card):
        result = gateway.charge(Decimal("12.34"), "EUR", approved_card, "ORDER-1")
        assert result.amount == Decimal("12.34")
        assert result.currency == "EUR"
        assert result.card_last4 == approved_card["number"][-4:]
        assert result.reference

    def test_each_charge_has_its_own_reference(self, gateway, approved_card):
        first = gateway.charge(Decimal("1.00"), "EUR", approved_card, "ORDER-2")
        second = gateway.charge(Decimal("1.00"), "EUR", approved_card, "ORDER-2")
        assert first.reference != second.reference

    def test_a_refused_card_raises_payment_declined(self, gateway, declined_card):
        with pytest.raises(PaymentDeclined) as caught:
            gateway.charge(Decimal("5.00"), "EUR", declined_card, "ORDER-3")
        assert caught.value.reason

    def test_a_charge_can_be_refunded(self, gateway, approved_card):
        result = gateway.charge(Decimal("7.50"), "GBP", approved_card, "ORDER-4")
        assert gateway.refund(result) is None
