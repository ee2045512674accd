"""RFC 9457 problem details: how every API error is answered."""

from __future__ import annotations

from http import HTTPStatus

from pyramid.response import Response

PROBLEM_JSON = "application/problem+json"


def is_api_request(request) -> bool:
    return request.path_info.startswith("/api/")


def problem(
    request,
    status: int,
    detail: str,
    errors: list[dict] | None = None,
    title: str | None = None,
    **extra,
) -> Response:
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path_info,
        "request_id": getattr(request, "request_id", None),
    }
    if errors:
        body["errors"] = errors
        if len(errors) == 1:
            body["field"] = errors[0]["field"]
    body.update(extra)
    response = Response(status=status, charset="utf-8")
    response.json_body = body
    response.content_type = PROBLEM_JSON
    response.cache_control = "no-store"
    return response
