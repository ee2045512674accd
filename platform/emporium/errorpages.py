"""Exception views: themed pages for expected errors, and a 500 that logs
the traceback with the request id and shows the shopper nothing else."""

from __future__ import annotations

import logging

from pyramid.config import Configurator
from pyramid.exceptions import BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPNotFound
from pyramid.response import Response
from sqlalchemy.exc import OperationalError

from emporium.api.problems import is_api_request, problem
from emporium.errors import EmporiumError
from emporium.themes import render_template

log = logging.getLogger(__name__)

# Seconds a shopper is asked to wait when the database is unavailable.
RETRY_AFTER = 5

_PLAIN_500 = (
    "Something went wrong on our side and we have been told about it.\n"
    "Reference: {request_id}\n"
)


def _page(
    request, status: int, title: str, message: str, field=None, errors=None, **extra
) -> Response:
    if is_api_request(request):
        if errors is None and field:
            errors = [{"field": field, "message": message}]
        return problem(request, status, message, errors, title=title, **extra)
    body = render_template(
        request,
        "error.pt",
        {
            "status": status,
            "title": title,
            "message": message,
            "field": field,
            "request_id": request.request_id,
        },
    )
    response = Response(body, status=status, content_type="text/html", charset="utf-8")
    response.cache_control = "no-store"
    return response


def not_found(exc, request) -> Response:
    request.response.status = 404
    return _page(
        request,
        404,
        "Page not found",
        "We could not find that page. It may have moved, or the product may no "
        "longer be sold.",
    )


def bad_csrf_token(exc, request) -> Response:
    return _page(
        request,
        403,
        "Please try again",
        "This form or request is missing its security token, or it has expired. "
        "Go back, reload the page and try again.",
        field="csrf_token",
    )


def http_exception(exc: HTTPException, request) -> Response:
    if exc.code is None or exc.code < 400:
        return exc
    response = _page(request, exc.code, exc.title, exc.detail or exc.explanation)
    for name in ("Allow", "Retry-After", "WWW-Authenticate"):
        if name in exc.headers:
            response.headers[name] = exc.headers[name]
    return response


def emporium_error(exc: EmporiumError, request) -> Response:
    if exc.status >= 500:
        return server_error(exc, request)
    field = getattr(exc, "field", None)
    message = getattr(exc, "message", None) or str(exc)
    errors = getattr(exc, "errors", None)
    if isinstance(errors, dict):
        errors = [{"field": name, "message": text} for name, text in errors.items()]
        message = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    extra = {"lines": exc.lines} if hasattr(exc, "lines") else {}
    titles = {
        400: "Bad request",
        402: "Payment declined",
        404: "Not found",
        409: "Conflict",
        422: "Please check the form",
    }
    return _page(
        request,
        exc.status,
        titles.get(exc.status, "Error"),
        message,
        field,
        errors=errors,
        **extra,
    )


def database_unavailable(exc: OperationalError, request) -> Response:
    """The database refused or lost the connection (restarting, down, out of
    connections): a 503 saying when to come back, not a 500, and the store
    recovers by itself when it returns (pooled connections are pinged)."""
    log.warning(
        "database unavailable on %s %s (request id %s): %s",
        request.method,
        request.path_qs,
        request.request_id,
        (str(exc.orig or exc).splitlines() or [""])[0],
    )
    message = "The store is busy for a moment. Please try again in a few seconds."
    try:
        response = _page(request, 503, "Back in a moment", message)
    except Exception:  # the page's own lookups may need the database too
        response = Response(
            message + "\n", status=503, content_type="text/plain", charset="utf-8"
        )
        response.cache_control = "no-store"
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def server_error(exc: Exception, request) -> Response:
    log.error(
        "unhandled %s on %s %s (request id %s)",
        type(exc).__name__,
        request.method,
        request.path_qs,
        request.request_id,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    try:
        return _page(
            request,
            500,
            "Something went wrong",
            "Something went wrong on our side and we have been told about it. "
            "Please try again in a moment.",
        )
    except Exception:
        log.exception("the 500 page itself failed (request id %s)", request.request_id)
        return Response(
            _PLAIN_500.format(request_id=request.request_id),
            status=500,
            content_type="text/plain",
            charset="utf-8",
        )


def includeme(config: Configurator) -> None:
    config.add_exception_view(not_found, HTTPNotFound)
    config.add_exception_view(bad_csrf_token, BadCSRFToken)
    config.add_exception_view(http_exception, HTTPException)
    config.add_exception_view(emporium_error, EmporiumError)
    config.add_exception_view(database_unavailable, OperationalError)
    config.add_exception_view(server_error, Exception)
