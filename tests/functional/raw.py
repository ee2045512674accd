"""Requests as a server hands them to the application, byte for byte: WebTest
encodes and checks what it sends, so it cannot send an invalid UTF-8 path,
a header a browser never would, or a body a form never makes."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    errors: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def call(
    app,
    method: str,
    path: str,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    address: str = "127.0.0.1",
) -> Answer:
    """``path`` percent-encoded as on the wire (``%ff`` is the byte 0xff);
    ``query`` and header values as sent; ``body`` as bytes."""
    errors = io.StringIO()
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        # PEP 3333: the path's bytes, decoded as Latin-1.
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "6543",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": address,
        "HTTP_HOST": "localhost:6543",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": errors,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body or method in ("POST", "PUT", "PATCH"):
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    started: list = []

    def start_response(status, response_headers, exc_info=None):
        started[:] = [int(status.split()[0]), response_headers]

    chunks = app(environ, start_response)
    try:
        data = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return Answer(started[0], started[1], data, [errors.getvalue()])
