from __future__ import annotations

from pyramid.config import Configurator

from emporium.api.spec import (
    CORE_FRAGMENT,
    empty_values_allowed,
    load_fragment,
    merge,
)
from emporium.api.validation import InvalidRequest, invalid_request_view, openapi_view

REGISTRY_KEY = "emporium.openapi_fragments"


def add_openapi_fragment(config: Configurator, spec: str) -> None:
    """Add a plugin's part of the API description (an asset spec of a YAML
    file with ``paths`` and ``components``) to ``/api/v1/openapi.json``."""
    fragment = load_fragment(spec)
    config.registry.setdefault(REGISTRY_KEY, []).append((spec, fragment))
    _build(config.registry)


def _build(registry) -> None:
    import json

    from openapi_core import Config, OpenAPI

    document = merge(registry[REGISTRY_KEY])
    registry["emporium.openapi_document"] = document
    validated, empty_values = empty_values_allowed(document)
    registry["emporium.openapi_empty_values"] = empty_values
    config = Config(
        extra_media_type_deserializers={"application/problem+json": json.loads}
    )
    registry["emporium.openapi"] = OpenAPI.from_dict(validated, config=config)


def openapi_document(request):
    request.response.cache_control = "public, max-age=300"
    return request.registry["emporium.openapi_document"]


def includeme(config: Configurator) -> None:
    config.registry[REGISTRY_KEY] = [(CORE_FRAGMENT, load_fragment(CORE_FRAGMENT))]
    _build(config.registry)
    config.add_directive("add_openapi_fragment", add_openapi_fragment)
    config.add_view_deriver(openapi_view)
    config.add_tween(
        "emporium.api.validation.response_validation_tween_factory",
        over="pyramid_tm.tm_tween_factory",
    )
    config.add_exception_view(invalid_request_view, InvalidRequest)
    config.add_route("api.openapi", "/api/v1/openapi.json")
    config.add_view(openapi_document, route_name="api.openapi", renderer="json")
