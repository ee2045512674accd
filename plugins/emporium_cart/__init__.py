"""The cart plugin: carts, checkout, orders, the header's cart fragment, and
their JSON API. Uses the catalog plugin's products."""

from pyramid.config import Configurator

from emporium.events import SessionExpired, UserLoggedIn
from emporium.settings import Integer, Setting, Text, declare

SETTINGS = declare(
    Setting(
        "emporium.idempotency.keep_days",
        Integer(1),
        "30",
        "days a checkout's idempotency key replays its order;"
        " `emporium sweep` removes older ones",
    ),
    Setting(
        "emporium.orders.link_days",
        Integer(1),
        "90",
        "days the sealed link on an order's confirmation opens the order"
        " without the session; older links are refused (the account's"
        " order history still shows it)",
    ),
    Setting(
        "emporium.payment.gateway",
        Text(),
        "emporium_cart.payments.TestPaymentGateway",
        "the `IPaymentGateway` implementation",
    ),
)


def _attach_cart(event: UserLoggedIn) -> None:
    from emporium_cart.interfaces import ICartService

    event.request.find_service(ICartService).attach_to_user(
        event.previous_session_id, event.user.id
    )


def _drop_expired_cart(event: SessionExpired) -> None:
    from emporium_cart.interfaces import ICartService

    event.request.find_service(ICartService).drop_anonymous(event.session_id)


def includeme(config: Configurator) -> None:
    config.include("emporium_cart.routes")
    config.add_migrations("emporium_cart:migrations")
    config.include("emporium_cart.payments")
    config.include("emporium_cart.services")
    config.include("emporium_cart.metrics")
    config.include("emporium_cart.sweeping")
    # The header's count and greeting, kept in a cookie (no request a page).
    config.include("emporium_cart.shopper")
    # The cart follows the shopper when they log in...
    config.add_subscriber(_attach_cart, UserLoggedIn)
    # ...and ends with the session: an expired one's cookie never finds it.
    config.add_subscriber(_drop_expired_cart, SessionExpired)
    config.add_openapi_fragment("emporium_cart:openapi.yaml")
    config.add_template_folder("emporium_cart:templates")
    config.add_static_view("static/cart", "emporium_cart:static", cache_max_age=3600)
    config.scan("emporium_cart.views")
    config.scan("emporium_cart.api")
