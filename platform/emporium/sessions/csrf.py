"""CSRF tokens bound to the session id, and the ``uses_session`` view option.

The token is an HMAC of the session id, so a page needs no database row to
carry one and a token is worthless with any other session.

The token also travels in a cookie scripts can read (``emporium_csrf``, set
with the session cookie, by the app or by Varnish for a first visit):
cached pages carry no token, and the script of the header copies it into
their forms without asking the app. The check is unchanged: a token is good
only as the HMAC of the request's own session id, wherever it came from;
another site can neither read the cookie nor make a token for its victim.
"""

from __future__ import annotations

from pyramid.interfaces import ICSRFStoragePolicy
from zope.interface import implementer

CSRF_PURPOSE = "csrf"
TOKEN_COOKIE = "emporium_csrf"


def set_token_cookie(
    response, signer, session_id: str | None, max_age: int, secure: bool
) -> None:
    """Give the browser the token of ``session_id`` (None: take it away),
    for scripts to copy into forms; it lives as long as the session cookie.
    Set twice in one response, the last one stands alone."""
    response.unset_cookie(TOKEN_COOKIE, strict=False)
    if session_id is None:
        response.delete_cookie(TOKEN_COOKIE, path="/")
        return
    response.set_cookie(
        TOKEN_COOKIE,
        signer.token(CSRF_PURPOSE, session_id),
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=False,
        samesite="Lax",
    )


@implementer(ICSRFStoragePolicy)
class SessionBoundCSRFPolicy:
    def __init__(self, factory) -> None:
        self.factory = factory

    def new_csrf_token(self, request) -> str:
        return self.get_csrf_token(request)

    def get_csrf_token(self, request) -> str:
        session_id = request.session.ensure_id()
        return self.factory.signer.token(CSRF_PURPOSE, session_id)

    def check_csrf_token(self, request, supplied_token: str) -> bool:
        session = request.__dict__.get("session")
        session_id = getattr(session, "id", None)
        if session_id is None:
            session_id, _ = self.factory.cookie_session_id(request)
        if session_id is None or not supplied_token:
            return False
        return self.factory.signer.check_token(CSRF_PURPOSE, session_id, supplied_token)


class InvalidSession(dict):
    """Stands in for ``request.session`` in views that did not ask for one,
    so that a cacheable page can never create a session or send a cookie.

    It reads as empty (so that inspecting it, as debugging tools do, is
    harmless) and refuses every write, id or token."""

    id = None
    new = True

    def _refuse(self, *args, **kwargs):
        raise RuntimeError(
            "this view did not declare uses_session=True and may not use the session"
        )

    __setitem__ = __delitem__ = setdefault = pop = popitem = update = clear = _refuse
    ensure_id = changed = invalidate = rotate = flash = pop_flash = _refuse
    get_csrf_token = new_csrf_token = _refuse


def uses_session(view, info):
    if info.options.get("uses_session"):
        return view

    def wrapped(context, request):
        request.session = InvalidSession()
        return view(context, request)

    return wrapped


uses_session.options = ("uses_session",)
