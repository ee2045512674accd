"""Orders: a list filtered by date and status, and each order's detail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pyramid.httpexceptions import HTTPNotFound

from emporium.errors import InvalidInput
from emporium_admin.views import orders_enabled, page, query_int

PAGE_SIZE = 50
STATUSES = ("paid", "shipped", "cancelled", "refunded")


def _date(request, name: str):
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(name, "must be a date such as 2026-12-01") from None


def _orders(request):
    """The cart plugin's orders service; a 404 without the plugin."""
    if not orders_enabled(request.registry):
        raise HTTPNotFound("orders need the cart plugin")
    from emporium_cart.interfaces import IOrderService

    return request.find_service(IOrderService)


def order_list(request):
    orders = _orders(request)
    status = request.GET.get("status", "").strip()
    if status and status not in STATUSES:
        raise InvalidInput("status", f"must be one of: {', '.join(STATUSES)}")
    start, end = _date(request, "from"), _date(request, "to")
    after, before = query_int(request, "after"), query_int(request, "before")
    rows = orders.listing(
        status=status,
        start=start,
        end=end + timedelta(days=1) if end else None,
        after=after,
        before=before,
        limit=PAGE_SIZE + 1,
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if before is not None:
        rows.reverse()
        following, preceding = (
            (rows[-1].id if rows else None),
            (rows[0].id if rows and more else None),
        )
    else:
        following = rows[-1].id if rows and more else None
        preceding = rows[0].id if rows and after is not None else None
    keep = {k: request.GET[k] for k in ("status", "from", "to") if request.GET.get(k)}
    return page(
        request,
        orders=rows,
        statuses=STATUSES,
        status=status,
        date_from=request.GET.get("from", ""),
        date_to=request.GET.get("to", ""),
        next_url=request.route_path("admin.orders", _query=keep | {"after": following})
        if following
        else None,
        previous_url=request.route_path(
            "admin.orders", _query=keep | {"before": preceding}
        )
        if preceding
        else None,
    )


def order_detail(request):
    order = _orders(request).by_number(request.matchdict["number"])
    if order is None:
        raise HTTPNotFound()
    return page(request, order=order)
