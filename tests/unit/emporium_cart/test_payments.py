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


class RecordingGateway(payments.TestPaymentGateway):
    """A gateway of another class, named by the setting."""


def test_the_setting_names_the_gateway_utility(app_settings):
    from emporium.config import configure
    from emporium.interfaces import IPaymentGateway

    dotted = f"{__name__}.RecordingGateway"
    config = configure(dict(app_settings, **{"emporium.payment.gateway": dotted}))
    try:
        gateway = config.registry.getUtility(IPaymentGateway)
        assert type(gateway) is RecordingGateway
    finally:
        config.registry["db.engine"].dispose()


def test_a_gateway_without_the_interface_is_refused(app_settings):
    from emporium.config import configure

    with pytest.raises(Exception, match="does not provide IPaymentGateway"):
        configure(dict(app_settings, **{"emporium.payment.gateway": "builtins.dict"}))
