"""The storefront's cart, checkout and order pages (HTML)."""

from __future__ import annotations

import secrets

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.interfaces import ICSRFStoragePolicy
from pyramid.response import Response
from pyramid.view import view_config

from emporium.errors import Conflict, InvalidInput
from emporium.security.tokens import sealer
from emporium.settings import setting_value
from emporium_cart import schemas
from emporium_cart.interfaces import ICartService, ICheckoutService, IOrderService
from emporium_cart.payments import PaymentDeclined
from emporium_cart.services import Owner


def owner(request, create: bool = False) -> Owner:
    session = request.session
    if create and not session.persisted:
        # The session is stored with the cart, so its timeouts apply to both.
        # A stored one is not written again: reading it refreshes its idle
        # time every few minutes, and a write would drop its cached copy.
        session.changed()
    session_id = session.id
    return Owner(session_id, session.get("user_id"))


def _private(request) -> None:
    request.response.cache_control = "private, no-store"


@view_config(
    route_name="cart",
    request_method="GET",
    renderer="cart.pt",
    uses_session=True,
)
def cart_page(request):
    _private(request)
    service = request.find_service(ICartService)
    return {
        "cart": service.view(service.find(owner(request))),
        "messages": request.session.pop_flash(),
        "csrf_token": request.session.get_csrf_token(),
    }


@view_config(
    route_name="cart.items",
    request_method="POST",
    require_csrf=False,
    throttle="cart",
    uses_session=True,
)
def add_item(request):
    """Add to cart. Product pages are cached for everyone and cannot carry a
    shopper's CSRF token, so a form without a valid one (no JavaScript to
    fill it in) gets a confirmation page with one instead of a change."""
    _private(request)
    product_id = schemas.product_id(request.POST.get("product_id"))
    quantity = schemas.quantity(request.POST.get("quantity", "1"))
    if not request.registry.getUtility(ICSRFStoragePolicy).check_csrf_token(
        request, request.POST.get("csrf_token", "")
    ):
        request.response.status = 403
        product = request.find_service(ICartService).product(product_id)
        return Response(
            _render(
                request,
                "cart_confirm_add.pt",
                {
                    "product": product,
                    "quantity": quantity,
                    "csrf_token": request.session.get_csrf_token(),
                },
            ),
            status=403,
            content_type="text/html",
            charset="utf-8",
            cache_control="private, no-store",
        )
    request.find_service(ICartService).add(
        owner(request, create=True), product_id, quantity
    )
    request.session.flash("Added to your cart.")
    return HTTPSeeOther(request.route_path("cart"))


def _render(request, name: str, value: dict) -> str:
    from emporium.themes import render_template

    return render_template(request, name, value)


@view_config(
    route_name="cart.item", request_method="POST", throttle="cart", uses_session=True
)
def update_item(request):
    product_id = schemas.product_id(request.matchdict["product_id"])
    service = request.find_service(ICartService)
    if request.POST.get("action") == "remove":
        service.remove(owner(request), product_id)
    else:
        quantity = schemas.quantity(request.POST.get("quantity"), allow_zero=True)
        service.set_quantity(owner(request), product_id, quantity)
    return HTTPSeeOther(request.route_path("cart"))


def _checkout_form(request, values=None, errors=None, message=None, status=200):
    _private(request)
    service = request.find_service(ICartService)
    cart = service.view(service.find(owner(request)))
    if not cart.lines and status == 200:
        return HTTPSeeOther(request.route_path("cart"))
    request.response.status = status
    return {
        "cart": cart,
        "values": values or {},
        "errors": errors or {},
        "message": message,
        "countries": schemas.COUNTRIES,
        "checkout_token": (values or {}).get("checkout_token")
        or sealer(request).seal(
            "checkout",
            {"s": request.session.ensure_id(), "n": secrets.token_urlsafe(12)},
        ),
        "csrf_token": request.session.get_csrf_token(),
    }


@view_config(
    route_name="checkout",
    request_method="GET",
    renderer="cart_checkout.pt",
    uses_session=True,
)
def checkout_page(request):
    identity = request.identity
    values = {"email": identity.email, "name": identity.name} if identity else {}
    return _checkout_form(request, values)


@view_config(
    route_name="checkout",
    request_method="POST",
    throttle="checkout",
    renderer="cart_checkout.pt",
    uses_session=True,
)
def place_order(request):
    form = request.POST
    values = {key: form.get(key, "") for key in form if key != "payment.card_number"}
    token = form.get("checkout_token", "")
    if not token or len(token) > 500:
        raise InvalidInput("checkout_token", "is missing; reload the checkout page")
    # Sealed when the form was shown: it cannot be forged or moved to
    # another session, and it names this checkout for idempotency.
    state = sealer(request).open("checkout", token, "checkout_token", max_age=86400)
    if state.get("s") != request.session.id:
        raise InvalidInput("checkout_token", "belongs to another session")
    try:
        details = schemas.checkout(schemas.checkout_from_form(form))
        order, _ = request.find_service(ICheckoutService).place_order(
            owner(request), details, key=f"form:{state['n']}"
        )
    except schemas.InvalidFields as exc:
        request.tm.doom()
        return _checkout_form(request, values, errors=exc.errors, status=422)
    except PaymentDeclined as exc:
        request.tm.doom()
        return _checkout_form(request, values, message=exc.reason, status=402)
    except Conflict as exc:
        request.tm.doom()
        return _checkout_form(request, values, message=str(exc), status=409)
    return HTTPSeeOther(request.route_path("order", number=order.number))


def order_lookup_path(request, number: str) -> str:
    """A link to the order that works without the session (for a guest's
    email): the order number sealed with Fernet."""
    key = sealer(request).seal("order", {"n": number})
    return request.route_path("order", number=number, _query={"key": key})


@view_config(
    route_name="order",
    request_method="GET",
    renderer="cart_order.pt",
    uses_session=True,
)
def order_page(request):
    _private(request)
    number = request.matchdict["number"]
    service = request.find_service(IOrderService)
    order = service.order_for(number, owner(request))
    key = request.GET.get("key")
    if order is None and key:
        days = setting_value(request.registry.settings, "emporium.orders.link_days")
        state = sealer(request).open("order", key, "key", max_age=days * 86400)
        if state.get("n") != number:
            raise InvalidInput("key", "is for another order")
        order = service.by_number(number)
    if order is None:
        raise HTTPNotFound()
    return {"order": order, "lookup_path": order_lookup_path(request, number)}


@view_config(
    route_name="account.orders",
    request_method="GET",
    renderer="cart_history.pt",
    uses_session=True,
)
def order_history(request):
    _private(request)
    identity = request.identity
    if identity is None:
        return HTTPSeeOther(request.route_path("login", _query={"next": request.path}))
    return {"orders": request.find_service(IOrderService).history(identity.id)}
