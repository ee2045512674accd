"""Requests the application cannot read are refused before anything reads
them: a path or query string that is not UTF-8, a path that holds a NUL, a
form body likewise or with a NUL in a field (PostgreSQL refuses NUL in
text), and conditional dates that no calendar has (ignored, as HTTP says an
invalid date must be). A NUL in a query value is left to the view that
reads it (a login's ``next`` falls back to its default page). Cookie pairs
that no browser sends (a value with a non-ASCII or control character, an
unclosed quote) are dropped before WebOb's parser sees them: its time grows
with the square of such a value's length (16 KB took seconds).

The check runs twice. Around the router (an execution policy, before any
tween), the environ is made readable: the path's bad bytes are replaced, the
query string is dropped, the absurd dates removed, and what was wrong is
noted. Inside the exception view's reach, a tween turns the note into a 400,
so the shopper gets the themed page (or the API's problem document) that
every other bad request gets.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from pyramid.config import Configurator
from pyramid.interfaces import IExecutionPolicy
from pyramid.router import default_execution_policy
from pyramid.tweens import EXCVIEW
from webob.datetime_utils import parse_date

from emporium.errors import InvalidInput

NOTE = "emporium.unreadable"
DATE_HEADERS = ("HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# A cookie name (an HTTP token), then a value of printable ASCII, quoted
# whole or holding no quote (RFC 6265, leniently: spaces and commas pass).
COOKIE_PAIR = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+=(\"[ !#-~]*\"|[ !#-:<-~]*)")


def _problem(raw: str, quoted: bool = False) -> str | None:
    """What is wrong with a WSGI string (the bytes decoded as Latin-1): a
    path (NUL refused too), or a query string when ``quoted``."""
    data = raw.encode("latin-1", "replace")
    if quoted:
        data = unquote_to_bytes(data.replace(b"+", b" "))
    try:
        text = data.decode("utf-8")
    except UnicodeError:
        return "is not valid UTF-8"
    if "\x00" in text and not quoted:
        return "contains a NUL character"
    return None


def _readable(raw: str) -> str:
    text = raw.encode("latin-1", "replace").decode("utf-8", "replace")
    return text.replace("\x00", "").encode("utf-8").decode("latin-1")


class WellFormedPolicy:
    def __init__(self, inner) -> None:
        self.inner = inner

    def __call__(self, environ, router):
        path_problem = _problem(environ.get("PATH_INFO", ""))
        if path_problem:
            environ[NOTE] = ("path", path_problem)
            environ["PATH_INFO"] = _readable(environ["PATH_INFO"])
        query_problem = _problem(environ.get("QUERY_STRING", ""), quoted=True)
        if query_problem:
            environ.setdefault(NOTE, ("query", query_problem))
            environ["QUERY_STRING"] = ""
        cookies = environ.get("HTTP_COOKIE")
        if cookies:
            environ["HTTP_COOKIE"] = _browser_cookies(cookies)
        for name in DATE_HEADERS:
            if name in environ and not _a_date(environ[name]):
                del environ[name]
        return self.inner(environ, router)


def _browser_cookies(header: str) -> str:
    pairs = [pair.strip() for pair in header.split(";")]
    return "; ".join(pair for pair in pairs if COOKIE_PAIR.fullmatch(pair))


def _a_date(value: str) -> bool:
    try:
        return parse_date(value) is not None
    except (ValueError, OverflowError, TypeError):
        return False


def wellformed_tween_factory(handler, registry):
    def wellformed_tween(request):
        note = request.environ.get(NOTE)
        if note is not None:
            raise InvalidInput(*note)
        if request.method in ("POST", "PUT", "PATCH") and request.content_type in (
            FORM_TYPES
        ):
            _check_form(request)
        return handler(request)

    return wellformed_tween


def _check_form(request) -> None:
    try:
        fields = request.POST
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("body", "is not a valid form in UTF-8") from None
    for name, value in fields.items():
        if not isinstance(name, str):  # a part of a cut-off multipart body
            raise InvalidInput("body", "is not a complete form")
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            raise InvalidInput(name.replace("\x00", ""), "contains a NUL character")


def includeme(config: Configurator) -> None:
    def wrap_policy() -> None:
        registry = config.registry
        inner = registry.queryUtility(
            IExecutionPolicy, default=default_execution_policy
        )
        registry.registerUtility(WellFormedPolicy(inner), IExecutionPolicy)

    # After pyramid_retry's policy and the body limit (order 10): outermost.
    config.action(("emporium.wellformed",), wrap_policy, order=11)
    config.add_tween(
        "emporium.security.wellformed.wellformed_tween_factory", under=EXCVIEW
    )
