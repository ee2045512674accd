"""``request.find_service``: the factory registered for an interface (and a
context), called once a request, without a container per request."""

from __future__ import annotations

import pytest
from pyramid.config import Configurator
from pyramid.request import Request, apply_request_extensions
from zope.interface import Interface, implementer

from emporium.config import find_service


class IGreeter(Interface):
    pass


class IShelf(Interface):
    pass


@implementer(IShelf)
class Shelf:
    pass


class Elsewhere:
    pass


@pytest.fixture
def new_request():
    config = Configurator()
    config.include("pyramid_services")
    config.add_request_method(find_service, "find_service")
    config.register_service_factory(
        lambda context, request: ("anywhere", request), IGreeter, Interface
    )
    config.register_service_factory(
        lambda context, request: ("on a shelf", context), IGreeter, IShelf
    )
    config.commit()

    def make(context=None) -> Request:
        request = Request.blank("/")
        request.registry = config.registry
        request.context = context
        apply_request_extensions(request)
        return request

    return make


def test_a_service_is_made_once_a_request(new_request):
    first, second = new_request(), new_request()
    found = first.find_service(IGreeter)
    assert found == ("anywhere", first)
    assert first.find_service(IGreeter) is found
    assert second.find_service(IGreeter) == ("anywhere", second)
    # pyramid_services' container, built for each request, is never made.
    assert "services" not in first.__dict__


def test_a_factory_for_the_context_comes_first(new_request):
    shelf = Shelf()
    assert new_request(shelf).find_service(IGreeter) == ("on a shelf", shelf)
    elsewhere = new_request(Elsewhere())
    assert elsewhere.find_service(IGreeter)[0] == "anywhere"
    assert new_request().find_service(IGreeter, context=shelf)[0] == "on a shelf"


def test_a_missing_service_is_a_lookup_error(new_request):
    with pytest.raises(LookupError):
        new_request().find_service(IShelf)
