"""The cart, checkout and orders in JSON under /api/v1."""

from __future__ import annotations

import re

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from emporium.errors import InvalidInput
from emporium_cart import schemas
from emporium_cart.interfaces import ICartService, ICheckoutService, IOrderService
from emporium_cart.services import CartView
from emporium_cart.views import owner

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
JSON_API = {"uses_session": True, "openapi": True, "renderer": "json"}
CART_WRITES = {**JSON_API, "throttle": "cart"}


def _money(amount) -> str:
    return f"{amount:.2f}"


def cart_json(view: CartView) -> dict:
    return {
        "items": [
            {
                "product_id": line["product_id"],
                "name": line["name"],
                "sku": line["sku"],
                "quantity": line["quantity"],
                "unit_price": _money(line["unit_price"]),
                "line_total": _money(line["line_total"]),
                "availability": line["availability"],
            }
            for line in view.lines
        ],
        "count": view.count,
        "currency": view.currency,
        "subtotal": _money(view.subtotal),
        "shipping": _money(view.shipping),
        "total": _money(view.total),
    }


def order_json(order) -> dict:
    return {
        "number": order.number,
        "status": order.status,
        "email": order.email,
        "name": order.name,
        "address": order.address,
        "currency": order.currency,
        "subtotal": _money(order.subtotal),
        "shipping": _money(order.shipping),
        "total": _money(order.total),
        "card_last4": order.card_last4,
        "created_at": order.created_at.isoformat(),
        "lines": [
            {
                "product_id": line.product_id,
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": _money(line.unit_price),
                "line_total": _money(line.line_total),
            }
            for line in order.lines
        ],
    }


def _private(request) -> None:
    request.response.cache_control = "private, no-store"


def _cart_response(request, status: int = 200) -> dict:
    _private(request)
    request.response.status = status
    service = request.find_service(ICartService)
    body = cart_json(service.view(service.find(owner(request))))
    body["csrf_token"] = request.session.get_csrf_token()
    return body


@view_config(route_name="api.cart", request_method="GET", **JSON_API)
def get_cart(request):
    return _cart_response(request)


@view_config(route_name="api.cart.items", request_method="POST", **CART_WRITES)
def add_item(request):
    body = request.openapi.body
    product_id = schemas.product_id(body["product_id"])
    quantity = schemas.quantity(body.get("quantity", 1))
    request.find_service(ICartService).add(
        owner(request, create=True), product_id, quantity
    )
    return _cart_response(request, 201)


@view_config(route_name="api.cart.item", request_method="PATCH", **CART_WRITES)
def update_item(request):
    product_id = schemas.product_id(request.matchdict["product_id"])
    quantity = schemas.quantity(request.openapi.body["quantity"])
    cart = request.find_service(ICartService)
    cart.set_quantity(owner(request), product_id, quantity)
    return _cart_response(request)


@view_config(route_name="api.cart.item", request_method="DELETE", **CART_WRITES)
def remove_item(request):
    product_id = schemas.product_id(request.matchdict["product_id"])
    request.find_service(ICartService).remove(owner(request), product_id)
    return _cart_response(request)


@view_config(
    route_name="api.checkout", request_method="POST", throttle="checkout", **JSON_API
)
def checkout(request):
    _private(request)
    key = request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise InvalidInput(
            "Idempotency-Key", "must be 8 to 100 letters, digits or ._:- characters"
        )
    details = schemas.checkout(request.openapi.body)
    checkout = request.find_service(ICheckoutService)
    order, replayed = checkout.place_order(owner(request), details, key)
    request.response.status = 201
    request.response.headers["Location"] = request.route_path(
        "api.order", number=order.number
    )
    if replayed:
        request.response.headers["Idempotent-Replayed"] = "true"
    return order_json(order)


@view_config(route_name="api.order", request_method="GET", **JSON_API)
def get_order(request):
    _private(request)
    order = request.find_service(IOrderService).order_for(
        request.matchdict["number"], owner(request)
    )
    if order is None:
        raise HTTPNotFound()
    return order_json(order)


@view_config(route_name="api.orders", request_method="GET", **JSON_API)
def list_orders(request):
    _private(request)
    identity = request.identity
    if identity is None:
        return {"orders": []}
    return {
        "orders": [
            order_json(o)
            for o in request.find_service(IOrderService).history(identity.id)
        ]
    }
