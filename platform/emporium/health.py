"""``GET /health``: a check per dependency; 503 when one that matters fails.

Anyone gets the status (what HAProxy's and Varnish's health checks read);
the checks themselves (the search index's path, cache counters, timings)
only a request that may scrape ``/metrics``: from ``emporium.metrics.allow``,
asking directly rather than through the proxy tier."""

from __future__ import annotations

import time
from collections.abc import Callable

from pyramid.config import Configurator
from sqlalchemy import text

from emporium.metrics import may_scrape

_CHECKS = f"{__name__}.checks"

HealthCheck = Callable[[object], dict]


def check_database(request) -> dict:
    engine = request.registry["db.engine"]
    started = time.perf_counter()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 2)}


def add_health_check(config: Configurator, name: str, check: HealthCheck) -> None:
    """Add a check to ``/health``; ``check(request)`` returns ``{"ok": bool, ...}``."""

    def register() -> None:
        config.registry.setdefault(_CHECKS, {})[name] = check

    config.action(("emporium.health_check", name), register)


def health(request):
    checks = {
        name: check(request)
        for name, check in request.registry.get(_CHECKS, {}).items()
    }
    healthy = all(result["ok"] for result in checks.values())
    request.response.status = 200 if healthy else 503
    request.response.cache_control = "no-store"
    status = "ok" if healthy else "failing"
    if not may_scrape(request):
        return {"status": status}
    return {"status": status, "checks": checks}


def includeme(config: Configurator) -> None:
    config.add_directive("add_health_check", add_health_check)
    config.add_health_check("database", check_database)
    config.add_route("health", "/health")
    config.add_view(health, route_name="health", renderer="json", request_method="GET")
