"""The header's shopper bits (cart count, greeting) without an app request
per page view.

Cached pages are the same for everyone; the header's script
(``static/cart.js``) fills in the shopper's part from two cookies it can
read: ``emporium_shopper`` (below) and ``emporium_csrf`` (the session's CSRF
token, ``emporium.sessions.csrf``). The app sets ``emporium_shopper`` only
when what it shows may have changed: a request that wrote to the cart or
checked out, a login, a logout, a session that expired. Its value is
``<count>.<issued, epoch seconds>.<first name, percent-encoded>``; it is
nobody's secret (a shopper who edits it misleads only themselves) and is
never in a shared response (every response that sets it is private).
``GET /cart/summary`` answers the same as JSON and refreshes both cookies:
the script asks it only when a cookie is missing, or the shopper cookie is
older than an hour (another device may have changed a logged-in cart).
"""

from __future__ import annotations

import time
from urllib.parse import quote

from pyramid.interfaces import ISecurityPolicy
from pyramid.view import view_config

from emporium.interfaces import ISessionFactory
from emporium.sessions.csrf import set_token_cookie
from emporium_cart.interfaces import ICartService
from emporium_cart.services import Owner

COOKIE = "emporium_shopper"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_STATE = "emporium_cart.shopper_state"


def first_name(user) -> str | None:
    if user is None:
        return None
    return (user.name or "").split(" ", 1)[0] or user.email.split("@", 1)[0]


def _state(request) -> tuple[int, str | None]:
    """The count and first name as they are now, in this transaction."""
    session = request.session
    user_id = session.get("user_id")
    owner = Owner(session.id, user_id)
    count = request.find_service(ICartService).count(owner) if session.id else 0
    user = None
    if user_id is not None:
        # Not request.identity: a login in this request changed who it is.
        user = request.registry.getUtility(ISecurityPolicy).identity(request)
    return count, first_name(user)


def cookie_value(count: int, name: str | None, now: float) -> str:
    return f"{count}.{int(now)}.{quote(name or '', safe='')}"


def _cookie_attributes(request) -> tuple[int, bool]:
    """The session cookie's lifetime and Secure flag, which ours share."""
    config = request.registry.getUtility(ISessionFactory).config
    secure = config.secure if config.secure is not None else request.scheme == "https"
    return int(config.absolute_timeout.total_seconds()), secure


def _set_cookie(request, response, state: tuple[int, str | None]) -> None:
    count, name = state
    response.unset_cookie(COOKIE, strict=False)
    if not count and not name:
        # Nothing to show: no cookie is the same as an empty one.
        if COOKIE in request.cookies:
            response.delete_cookie(COOKIE, path="/")
        return
    max_age, secure = _cookie_attributes(request)
    response.set_cookie(
        COOKIE,
        cookie_value(count, name, time.time()),
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=False,
        samesite="Lax",
    )


def refresh_on_commit(request) -> None:
    """Send the shopper cookie with this response, as the transaction is
    about to commit leaves it; nothing if it rolls back."""
    if _STATE in request.__dict__:
        return
    request.__dict__[_STATE] = None

    def measure(*args) -> None:
        request.__dict__[_STATE] = _state(request)

    def send(request, response) -> None:
        state = request.__dict__.get(_STATE)
        if state is not None and response.status_code < 400:
            _set_cookie(request, response, state)

    request.tm.get().addBeforeCommitHook(measure)
    request.add_response_callback(send)


def refresh_after_write(request) -> None:
    """For the cart's service factories: a request that may change the cart
    (any but a safe method) refreshes the cookie."""
    if request.method not in SAFE_METHODS:
        refresh_on_commit(request)


@view_config(
    route_name="cart.summary",
    request_method="GET",
    renderer="json",
    uses_session=True,
)
def cart_summary(request):
    """The shopper's bits as JSON, and both cookies set afresh."""
    request.response.cache_control = "private, no-store"
    count, name = _state(request)
    token = request.session.get_csrf_token()
    signer = request.registry.getUtility(ISessionFactory).signer
    max_age, secure = _cookie_attributes(request)
    set_token_cookie(request.response, signer, request.session.id, max_age, secure)
    _set_cookie(request, request.response, (count, name))
    return {
        "count": count,
        "csrf_token": token,
        "greeting": f"Hello, {name}" if name else None,
        "signed_in": name is not None,
    }


def includeme(config) -> None:
    from emporium.events import SessionExpired, UserLoggedIn, UserLoggedOut

    def changed(event) -> None:
        refresh_on_commit(event.request)

    for event in (UserLoggedIn, UserLoggedOut, SessionExpired):
        config.add_subscriber(changed, event)
    config.scan("emporium_cart.shopper")
