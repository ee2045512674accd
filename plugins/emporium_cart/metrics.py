"""/metrics: orders placed and their totals, counted as they commit."""

from pyramid.config import Configurator

from emporium.events import OrderPlaced
from emporium.metrics import counter


def includeme(config: Configurator) -> None:
    orders = counter(config.registry, "emporium_orders", "Orders placed", ("currency",))
    revenue = counter(
        config.registry,
        "emporium_order_revenue_minor",
        "Order totals placed, in minor units (cents)",
        ("currency",),
    )

    def count(event: OrderPlaced) -> None:
        orders.labels(event.currency).inc()
        revenue.labels(event.currency).inc(event.total_minor)

    config.add_subscriber(count, OrderPlaced)
