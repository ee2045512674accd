"""The dashboard, and the cache and traffic charts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from emporium.audit import AuditEntry
from emporium.cache.metrics import server_stats
from emporium.money import from_minor
from emporium_admin import charts
from emporium_admin.traffic import request_counter
from emporium_admin.views import orders_enabled, page
from emporium_catalog.interfaces import IProductReader


def _orders(request):
    """The cart plugin's orders service, or None without the plugin."""
    if not orders_enabled(request.registry):
        return None
    from emporium_cart.interfaces import IOrderService

    return request.find_service(IOrderService)


def _orders_since(request, since):
    orders = _orders(request)
    return orders.totals_since(since) if orders is not None else (0, 0)


def dashboard(request):
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    orders_today, revenue_minor = _orders_since(request, midnight)
    stats, _ = server_stats(request.registry)
    recent = list(
        request.dbsession.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(10)
        )
    )
    return page(
        request,
        products=request.registry.getUtility(IProductReader).count(request.dbsession),
        orders_today=orders_today,
        # Orders are taken in the store's one currency today.
        revenue=from_minor(revenue_minor, "USD"),
        hit_ratio=stats.get("hit_ratio"),
        recent=recent,
    )


def orders_per_minute(request, minutes: int = 60) -> list[tuple[int, int]]:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(minutes=minutes - 1)
    counts: dict[int, int] = {}
    orders = _orders(request)
    for at in orders.placed_since(start) if orders is not None else ():
        minute = int(at.timestamp() // 60) * 60
        counts[minute] = counts.get(minute, 0) + 1
    first = int(start.timestamp())
    return [(first + 60 * i, counts.get(first + 60 * i, 0)) for i in range(minutes)]


def traffic(request):
    stats, scope = server_stats(request.registry)
    tiers, partitions = charts.cache_ratios(stats)
    requests = request_counter(request.registry).per_minute()
    orders = orders_per_minute(request)
    return page(
        request,
        stats=stats,
        stats_scope=scope,
        tiers=tiers,
        partitions=partitions,
        tier_chart=charts.ratio_chart(tiers, "Hit ratio per tier"),
        partition_chart=charts.ratio_chart(partitions, "Hit ratio per partition"),
        requests_chart=charts.column_chart(
            requests, "Requests per minute (this process)", "requests"
        ),
        orders_chart=charts.column_chart(orders, "Orders per minute", "orders"),
        requests_last=requests[-2][1] if len(requests) > 1 else 0,
        orders_hour=sum(v for _, v in orders),
    )
