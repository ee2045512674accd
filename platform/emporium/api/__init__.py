from __future__ import annotations

from dataclasses import dataclass

from pyramid.config import Configurator
from zope.interface import implementer

from emporium.api.spec import (
    CORE_FRAGMENT,
    empty_values_allowed,
    load_fragment,
    merge,
)
from emporium.api.validation import (
    InvalidRequest,
    invalid_request_view,
    openapi_view,
    schema_factories,
)
from emporium.interfaces import IAPIDescription

_FRAGMENTS = f"{__name__}.fragments"


@implementer(IAPIDescription)
@dataclass(frozen=True)
class APIDescription:
    document: dict
    openapi: object
    empty_values: dict


def add_openapi_fragment(config: Configurator, spec: str) -> None:
    """Add a plugin's part of the API description (an asset spec of a YAML
    file with ``paths`` and ``components``) to ``/api/v1/openapi.json``."""
    fragment = load_fragment(spec)
    config.registry.setdefault(_FRAGMENTS, []).append((spec, fragment))
    _build(config.registry)


# Lookups in the description kept resolved (the whole API uses about 2,000).
RESOLVED_PATHS = 16_384


def _build(registry) -> None:
    import json

    from jsonschema_path import SchemaPath
    from openapi_core import Config, OpenAPI

    document = merge(registry[_FRAGMENTS])
    validated, empty_values = empty_values_allowed(document)
    config = Config(
        extra_media_type_deserializers={"application/problem+json": json.loads},
        **schema_factories(),
    )
    # Every request walks the description: each path looked up (and each
    # $ref followed) is kept, or the walk costs more than the view it checks.
    spec = SchemaPath.from_dict(validated, resolved_cache_maxsize=RESOLVED_PATHS)
    openapi = OpenAPI(spec, config=config)
    registry.registerUtility(
        APIDescription(document, openapi, empty_values), IAPIDescription
    )


def openapi_document(request):
    request.response.cache_control = "public, max-age=300"
    return request.registry.getUtility(IAPIDescription).document


def includeme(config: Configurator) -> None:
    config.registry[_FRAGMENTS] = [(CORE_FRAGMENT, load_fragment(CORE_FRAGMENT))]
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
