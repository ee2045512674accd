"""Request ids, and a log formatter that stamps them on every line."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from pyramid.config import Configurator

REQUEST_ID_HEADER = "X-Request-Id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "request_id", default="-"
)


class RequestIdFormatter(logging.Formatter):
    """A formatter whose format may use ``%(request_id)s``."""

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = current_request_id.get()
        return super().format(record)


def request_id_tween_factory(handler, registry):
    """Give every request an id (a proxy's, when well formed) and echo it."""

    def request_id_tween(request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        try:
            response = handler(request)
        finally:
            current_request_id.reset(token)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response

    return request_id_tween


def includeme(config: Configurator) -> None:
    # Outermost, so that the id is known to every other tween and view.
    config.add_tween("emporium.logs.request_id_tween_factory", under="INGRESS")
