"""The request body size limit: a body larger than ``emporium.max_body_bytes``
is a 413 (request rates are limited by ``emporium.security.throttle``).

The check wraps the application's execution policy, outside pyramid_retry,
so that an oversized body is refused before anything copies or parses it.
"""

from __future__ import annotations

import io
import json

from pyramid.config import Configurator
from pyramid.interfaces import IExecutionPolicy
from pyramid.router import default_execution_policy

from emporium.settings import setting_value

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyLimitPolicy:
    """``limit`` bytes for every path but those ``larger`` names (path ->
    limit, filled by ``config.allow_larger_body``)."""

    def __init__(self, inner, limit: int, larger: dict | None = None) -> None:
        self.inner = inner
        self.limit = limit
        self.larger = {} if larger is None else larger

    def __call__(self, environ, router):
        if environ.get("REQUEST_METHOD") in UNSAFE_METHODS:
            limit = self.larger.get(environ.get("PATH_INFO"), self.limit)
            refused = self._check(environ, limit)
            if refused is not None:
                return refused
        return self.inner(environ, router)

    def _check(self, environ, limit: int):
        raw = environ.get("CONTENT_LENGTH") or ""
        if raw.strip():
            if not raw.strip().isdigit():
                return self._refuse(environ, 400, "Content-Length is not a number")
            if int(raw) > limit:
                return self._too_large(environ, limit)
            # Within the limit: read once into memory, so that nothing after
            # (pyramid_retry's replay, the API's JSON reader) copies it into
            # a temporary file that only the garbage collector closes.
            data = environ["wsgi.input"].read(int(raw))
            environ["wsgi.input"] = io.BytesIO(data)
            environ["CONTENT_LENGTH"] = str(len(data))
            environ["webob.is_body_seekable"] = True
            return None
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            # No length given: read one byte past the limit, no more.
            data = environ["wsgi.input"].read(limit + 1)
            if len(data) > limit:
                return self._too_large(environ, limit)
            environ["wsgi.input"] = io.BytesIO(data)
            environ["CONTENT_LENGTH"] = str(len(data))
            environ["webob.is_body_seekable"] = True
        return None

    def _too_large(self, environ, limit: int):
        return self._refuse(
            environ, 413, f"the request body is larger than {limit} bytes"
        )

    @staticmethod
    def _refuse(environ, status: int, message: str):
        from webob import Response

        if environ.get("PATH_INFO", "").startswith("/api/"):
            body = {
                "type": "about:blank",
                "title": "Request refused",
                "status": status,
                "detail": message,
                "field": "body",
                "errors": [{"field": "body", "message": message}],
            }
            response = Response(
                json.dumps(body),
                status=status,
                content_type="application/problem+json",
                charset="utf-8",
            )
        else:
            response = Response(
                f"<!DOCTYPE html><title>Request refused</title><h1>{status}</h1>"
                f"<p>{message}.</p>",
                status=status,
                content_type="text/html",
                charset="utf-8",
            )
        # No Connection header: it is the server's (waitress refuses an
        # application's hop-by-hop header with a 500 of its own).
        return response


_LARGER = f"{__name__}.larger"


def allow_larger_body(config: Configurator, path: str, limit: int) -> None:
    """Directive: requests to exactly ``path`` may send ``limit`` bytes (the
    admin's CSV upload); every other path keeps ``emporium.max_body_bytes``."""
    config.registry[_LARGER][path] = limit


def includeme(config: Configurator) -> None:
    limit = setting_value(config.get_settings(), "emporium.max_body_bytes")
    larger = config.registry[_LARGER] = {}
    config.add_directive("allow_larger_body", allow_larger_body)

    def wrap_policy() -> None:
        registry = config.registry
        inner = registry.queryUtility(
            IExecutionPolicy, default=default_execution_policy
        )
        policy = BodyLimitPolicy(inner, limit, larger)
        registry.registerUtility(policy, IExecutionPolicy)

    # After pyramid_retry has installed its policy (PHASE1), wrap it.
    config.action(("emporium.body_limit",), wrap_policy, order=10)
