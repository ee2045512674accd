"""Limits on what a client may send: request body size."""

from __future__ import annotations

from pyramid.config import Configurator

from emporium.api.problems import is_api_request, problem

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def body_limit_tween_factory(handler, registry):
    limit = int(registry.settings.get("emporium.max_body_bytes", 65536))

    def body_limit_tween(request):
        if request.method in UNSAFE_METHODS:
            length = request.content_length
            too_big = length is not None and length > limit
            if length is None and not too_big:
                # Chunked: read one byte past the limit, no more.
                data = request.body_file_raw.read(limit + 1)
                too_big = len(data) > limit
                if not too_big:
                    request.body = data
            if too_big:
                message = f"the request body is larger than {limit} bytes"
                if is_api_request(request):
                    return problem(
                        request, 413, message, [{"field": "body", "message": message}]
                    )
                from pyramid.httpexceptions import HTTPRequestEntityTooLarge

                return HTTPRequestEntityTooLarge(message)
        return handler(request)

    return body_limit_tween


def includeme(config: Configurator) -> None:
    config.add_tween(
        "emporium.limits.body_limit_tween_factory",
        under="emporium.logs.request_id_tween_factory",
    )
