"""The cart plugin: carts, checkout, orders, the header's cart fragment, and
their JSON API. Uses the catalog plugin's products."""

from datetime import timedelta

from pyramid.config import Configurator
from pyramid.path import DottedNameResolver

from emporium.events import SessionExpired, UserLoggedIn
from emporium.interfaces import IPaymentGateway
from emporium.metrics import counter
from emporium.settings import whole_number

DEFAULT_GATEWAY = "emporium_cart.payments.TestPaymentGateway"


def _attach_cart(event: UserLoggedIn) -> None:
    from emporium_cart.services import CartService

    CartService(event.request.dbsession).attach_to_user(
        event.previous_session_id, event.user.id
    )


def _drop_expired_cart(event: SessionExpired) -> None:
    from emporium_cart.services import CartService

    CartService(event.request.dbsession).drop_anonymous(event.session_id)


def includeme(config: Configurator) -> None:
    from emporium_cart import api, sweeping, views

    settings = config.get_settings()
    gateway = DottedNameResolver().resolve(
        settings.get("emporium.payment.gateway", DEFAULT_GATEWAY)
    )()
    if not IPaymentGateway.providedBy(gateway):
        raise TypeError(f"{type(gateway).__name__} does not provide IPaymentGateway")
    config.registry["emporium.payment_gateway"] = gateway

    config.add_migrations("emporium_cart:migrations")
    # /metrics: orders placed and their totals, counted as they commit.
    config.registry[views.ORDER_COUNTERS] = (
        counter(config.registry, "emporium_orders", "Orders placed", ("currency",)),
        counter(
            config.registry,
            "emporium_order_revenue_minor",
            "Order totals placed, in minor units (cents)",
            ("currency",),
        ),
    )
    # `emporium sweep`: carts of sessions that are gone, old idempotency keys.
    session_config = config.registry["emporium.session_config"]
    config.add_sweeper(sweeping.OrphanedCarts(session_config), "carts")
    keep_days = whole_number(
        settings, "emporium.idempotency.keep_days", sweeping.DEFAULT_IDEMPOTENCY_DAYS
    )
    config.add_sweeper(
        sweeping.ExpiredIdempotencyKeys(timedelta(days=keep_days)),
        "idempotency-keys",
    )
    # The cart follows the shopper when they log in.
    config.add_subscriber(_attach_cart, UserLoggedIn)
    # ...and ends with the session: an expired one's cookie never finds it.
    config.add_subscriber(_drop_expired_cart, SessionExpired)
    config.add_openapi_fragment("emporium_cart:openapi.yaml")
    config.add_template_folder("emporium_cart:templates")
    config.add_static_view("static/cart", "emporium_cart:static", cache_max_age=3600)

    html = {"uses_session": True}
    config.add_route("cart", "/cart")
    config.add_route("cart.summary", "/cart/summary")
    config.add_route("cart.items", "/cart/items")
    config.add_route("cart.item", r"/cart/items/{product_id:\d{1,18}}")
    config.add_route("checkout", "/checkout")
    config.add_route("order", "/orders/{number}")
    config.add_route("account.orders", "/account/orders")
    config.add_view(
        views.cart_page,
        route_name="cart",
        request_method="GET",
        renderer="cart.pt",
        **html,
    )
    config.add_view(
        views.cart_summary,
        route_name="cart.summary",
        request_method="GET",
        renderer="json",
        **html,
    )
    config.add_view(
        views.add_item,
        route_name="cart.items",
        request_method="POST",
        require_csrf=False,
        throttle="cart",
        **html,
    )
    config.add_view(
        views.update_item,
        route_name="cart.item",
        request_method="POST",
        throttle="cart",
        **html,
    )
    config.add_view(
        views.checkout_page,
        route_name="checkout",
        request_method="GET",
        renderer="cart_checkout.pt",
        **html,
    )
    config.add_view(
        views.place_order,
        route_name="checkout",
        request_method="POST",
        throttle="checkout",
        renderer="cart_checkout.pt",
        **html,
    )
    config.add_view(
        views.order_page,
        route_name="order",
        request_method="GET",
        renderer="cart_order.pt",
        **html,
    )
    config.add_view(
        views.order_history,
        route_name="account.orders",
        request_method="GET",
        renderer="cart_history.pt",
        **html,
    )

    json_api = {"uses_session": True, "openapi": True, "renderer": "json"}
    config.add_route("api.cart", "/api/v1/cart")
    config.add_route("api.cart.items", "/api/v1/cart/items")
    config.add_route("api.cart.item", "/api/v1/cart/items/{product_id}")
    config.add_route("api.checkout", "/api/v1/checkout")
    config.add_route("api.orders", "/api/v1/orders")
    config.add_route("api.order", "/api/v1/orders/{number}")
    config.add_view(
        api.get_cart, route_name="api.cart", request_method="GET", **json_api
    )
    cart_writes = {**json_api, "throttle": "cart"}
    config.add_view(
        api.add_item, route_name="api.cart.items", request_method="POST", **cart_writes
    )
    config.add_view(
        api.update_item,
        route_name="api.cart.item",
        request_method="PATCH",
        **cart_writes,
    )
    config.add_view(
        api.remove_item,
        route_name="api.cart.item",
        request_method="DELETE",
        **cart_writes,
    )
    config.add_view(
        api.checkout,
        route_name="api.checkout",
        request_method="POST",
        throttle="checkout",
        **json_api,
    )
    config.add_view(
        api.list_orders, route_name="api.orders", request_method="GET", **json_api
    )
    config.add_view(
        api.get_order, route_name="api.order", request_method="GET", **json_api
    )
