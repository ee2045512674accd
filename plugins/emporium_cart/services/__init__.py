"""The cart's services: carts, checkout and orders, each bound to one
request's database session (see ``emporium_cart.interfaces``)."""

from pyramid.config import Configurator
from zope.interface import Interface

from emporium.interfaces import IPaymentGateway
from emporium_cart.interfaces import ICartService, ICheckoutService, IOrderService
from emporium_cart.services.carts import CartService, CartView, Owner
from emporium_cart.services.checkout import CheckoutService, new_order_number
from emporium_cart.services.errors import (
    IdempotencyKeyReused,
    NotInCart,
    OutOfStock,
    ProductNotFound,
)
from emporium_cart.services.idempotency import fingerprint
from emporium_cart.services.orders import OrderService
from emporium_catalog.interfaces import IProductWriter

__all__ = [
    "CartService",
    "CartView",
    "CheckoutService",
    "IdempotencyKeyReused",
    "NotInCart",
    "OrderService",
    "OutOfStock",
    "Owner",
    "ProductNotFound",
    "fingerprint",
    "new_order_number",
]


def _cart(context, request) -> CartService:
    from emporium_cart.shopper import refresh_after_write

    # The header's cookie follows whatever this request does to the cart.
    refresh_after_write(request)
    return CartService(request.dbsession, request.registry.getUtility(IProductWriter))


def _checkout(context, request) -> CheckoutService:
    from emporium_cart.shopper import refresh_after_write

    refresh_after_write(request)
    registry = request.registry
    return CheckoutService(
        request.dbsession,
        registry.getUtility(IProductWriter),
        registry.getUtility(IPaymentGateway),
        request.tm,
        registry.notify,
    )


def _orders(context, request) -> OrderService:
    return OrderService(request.dbsession)


def includeme(config: Configurator) -> None:
    config.register_service_factory(_cart, ICartService, Interface)
    config.register_service_factory(_checkout, ICheckoutService, Interface)
    config.register_service_factory(_orders, IOrderService, Interface)
