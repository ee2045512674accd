"""``GET /metrics``: the application's counters in Prometheus text format.

Features add collectors with ``config.add_metrics_collector(collector)``
(a ``prometheus_client`` collector: an object with ``collect()``). Each app
has its own registry; each worker process reports its own counters.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pyramid.config import Configurator
from pyramid.response import Response

REGISTRY_KEY = "emporium.metrics"


def add_metrics_collector(config: Configurator, collector) -> None:
    """Directive: publish ``collector``'s metrics at ``/metrics``."""

    def register() -> None:
        config.registry[REGISTRY_KEY].register(collector)

    config.action(None, register)


def metrics(request) -> Response:
    body = generate_latest(request.registry[REGISTRY_KEY])
    response = Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.cache_control = "no-store"
    return response


def includeme(config: Configurator) -> None:
    config.registry[REGISTRY_KEY] = CollectorRegistry(auto_describe=True)
    config.add_directive("add_metrics_collector", add_metrics_collector)
    config.add_route("metrics", "/metrics")
    config.add_view(metrics, route_name="metrics", request_method="GET")
