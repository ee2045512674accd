"""Logging in and out of the console."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.security import forget, remember

from emporium.accounts.services import authenticate
from emporium.audit import record
from emporium.events import UserLoggedIn, UserLoggedOut
from emporium.interfaces import IPasswordHasher
from emporium_admin.resources import is_staff
from emporium_admin.views import page


def _next(request) -> str:
    target = request.params.get("next", "") or "/admin/"
    # Only console paths: never an open redirect.
    if not target.startswith("/admin") or "\\" in target or "//" in target:
        return "/admin/"
    return target


def login_form(request):
    if is_staff(request.identity):
        return HTTPSeeOther(_next(request))
    return page(request, next=_next(request), email="")


def login(request):
    hasher = request.registry.getUtility(IPasswordHasher)
    email = request.POST.get("email", "").strip()
    user = authenticate(
        request.dbsession, hasher, email, request.POST.get("password", "")
    )
    if user is None:
        # Guessing is slowed per account and per client, as on the store.
        throttle = request.registry.get("emporium.throttle")
        if throttle is not None:
            throttle.login_attempt(
                email or "-",
                request.client_addr or "-",
                request.registry.settings.get(
                    "emporium.throttle.login_failures", "5/15minutes"
                ),
            )
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
