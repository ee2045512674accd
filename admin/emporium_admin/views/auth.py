"""Logging in and out of the console."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.security import forget, remember

from emporium.accounts.services import authenticate
from emporium.audit import record
from emporium.events import UserLoggedIn, UserLoggedOut
from emporium.interfaces import IPasswordHasher
from emporium.security.logins import (
    LOCKED_MESSAGE,
    count_failure,
    local_path,
    locked_for,
)
from emporium_admin.resources import is_staff
from emporium_admin.views import page


def _next(request) -> str:
    # Only console paths: never an open redirect.
    target = local_path(request.params.get("next"), "/admin/", prefix="/admin")
    return "/admin/" if "//" in target else target


def login_form(request):
    if is_staff(request.identity):
        return HTTPSeeOther(_next(request))
    return page(request, next=_next(request), email="")


def login(request):
    email = request.POST.get("email", "").strip()
    seconds = locked_for(request, email)
    if seconds is not None:
        message = LOCKED_MESSAGE.format(seconds=seconds)
        return page(
            request, next=_next(request), email=email, errors={"password": message}
        )
    hasher = request.registry.getUtility(IPasswordHasher)
    user = authenticate(
        request.dbsession, hasher, email, request.POST.get("password", "")
    )
    if user is None:
        # Guessing is slowed per account and per client, as on the store.
        count_failure(request, email)
    if user is None or not is_staff(user):
        request.response.status = 400
        message = (
            "That email and password do not match a staff account."
            if user is None
            else "This account may not use the admin console."
        )
        return page(
            request, next=_next(request), email=email, errors={"password": message}
        )
    previous = request.session.id
    remember(request, user.id)
    request.registry.notify(UserLoggedIn(request, user, previous))
    record(request.dbsession, f"user:{user.id} {user.email}", "admin.login", user.email)
    return HTTPSeeOther(_next(request))


def to_dashboard(request):
    return HTTPSeeOther(request.route_path("admin.dashboard"))


def logout(request):
    user = request.identity
    forget(request)
    if user is not None:
        request.registry.notify(UserLoggedOut(request, user))
    return HTTPSeeOther("/admin/login")


def forbidden(exc, request):
    """Anonymous people are sent to the login form; anyone else logged in
    without a staff role gets the 403 page."""
    if request.identity is None and request.method in ("GET", "HEAD"):
        query = {"next": request.path_qs} if request.path != "/admin/" else {}
        return HTTPSeeOther(request.route_path("admin.login", _query=query))
    from emporium.errorpages import http_exception

    return http_exception(HTTPForbidden(), request)
