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
    def __init__(self, inner, limit: int) -> None:
        self.inner = inner
        self.limit = limit

    def __call__(self, environ, router):
        if environ.get("REQUEST_METHOD") in UNSAFE_METHODS:
            refused = self._check(environ)
            if refused is not None:
                return refused
        return self.inner(environ, router)

    def _check(self, environ):
        raw = environ.get("CONTENT_LENGTH") or ""
        if raw.strip():
            if not raw.strip().isdigit():
                return self._refuse(environ, 400, "Content-Length is not a number")
            if int(raw) > self.limit:
                return self._too_large(environ)
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
            data = environ["wsgi.input"].read(self.limit + 1)
            if len(data) > self.limit:
                return self._too_large(environ)
            environ["wsgi.input"] = io.BytesIO(data)
            environ["CONTENT_LENGTH"] = str(len(data))
            environ["webob.is_body_seekable"] = True
        return None

    def _too_large(self, environ):
        return self._refuse(
            environ, 413, f"the request body is larger than {self.limit} bytes"
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


def includeme(config: Configurator) -> None:
    limit = setting_value(config.get_settings(), "emporium.max_body_bytes")

    def wrap_policy() -> None:
        registry = config.registry
        inner = registry.queryUtility(
            IExecutionPolicy, default=default_execution_policy
        )
        registry.registerUtility(BodyLimitPolicy(inner, limit), IExecutionPolicy)

    # After pyramid_retry has installed its policy (PHASE1), wrap it.
    config.action(("emporium.body_limit",), wrap_policy, order=10)
