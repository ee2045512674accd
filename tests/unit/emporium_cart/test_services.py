"""A request finds the cart's services by interface, each bound to that
request's database session and providing all its interface declares."""

from __future__ import annotations

import pytest
from pyramid.request import Request, apply_request_extensions
from zope.interface.verify import verifyObject

from emporium_cart.interfaces import ICartService, ICheckoutService, IOrderService


@pytest.fixture
def request_(app_config):
    request = Request.blank("/")
    request.registry = app_config.registry
    apply_request_extensions(request)
    yield request
    request.dbsession.close()


@pytest.mark.parametrize("iface", [ICartService, ICheckoutService, IOrderService])
def test_each_service_is_found_by_its_interface(request_, iface):
    service = request_.find_service(iface)
    assert verifyObject(iface, service)
    assert service.dbsession is request_.dbsession
    assert request_.find_service(iface) is service  # one per request
