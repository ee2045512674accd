"""The console's views; ``page()`` gives every template what the layout needs."""

from __future__ import annotations

from emporium.plugins import loaded_plugins
from emporium_admin.extending import navigation
from emporium_admin.resources import MANAGE_STAFF, USE

# (route name, label, permission): the navigation shows what the role may use.
NAVIGATION = (
    ("admin.dashboard", "Dashboard", USE),
    ("admin.products", "Catalog", USE),
    ("admin.categories", "Categories", USE),
    ("admin.import", "Import", USE),
    ("admin.orders", "Orders", USE),
    ("admin.purge", "Purge", USE),
    ("admin.audit", "Audit log", USE),
    ("admin.traffic", "Cache & traffic", USE),
    ("admin.staff", "Staff", MANAGE_STAFF),
)


def orders_enabled(registry) -> bool:
    """Orders are the cart plugin's: without it the console has none."""
    return "cart" in loaded_plugins(registry)


def page(request, **values) -> dict:
    """The values every console page uses, plus the view's own."""
    request.response.cache_control = "private, no-store"
    user = request.identity
    nav = [
        {
            "url": request.route_path(route),
            "label": label,
            "current": request.matched_route is not None
            and request.matched_route.name.startswith(route),
        }
        for route, label, permission in (*NAVIGATION, *navigation(request.registry))
        if user is not None
        and request.has_permission(permission)
        and (route != "admin.orders" or orders_enabled(request.registry))
    ]
    return {
        "csrf_token": request.session.get_csrf_token(),
        "user": user,
        "nav": nav,
        "flashes": request.session.pop_flash(),
        "errors": {},
        **values,
    }


def query_int(request, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        from emporium.errors import InvalidInput

        raise InvalidInput(name, "must be a whole number")
    return int(raw)
