"""Register, log in, log out."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget, remember

from emporium.accounts.services import (
    EmailTaken,
    authenticate,
    create_user,
    normalize_email,
)
from emporium.audit import record
from emporium.errors import InvalidInput
from emporium.events import UserLoggedIn, UserLoggedOut
from emporium.interfaces import IPasswordHasher
from emporium.security.logins import (
    LOCKED_MESSAGE,
    count_failure,
    local_path,
    locked_for,
)

log = logging.getLogger(__name__)


def _safe_next(request) -> str:
    return local_path(request.params.get("next"), "/account/orders")


def _form(request, **values):
    request.response.cache_control = "private, no-store"
    return {
        "csrf_token": request.session.get_csrf_token(),
        "next": _safe_next(request),
        "errors": {},
        "email": "",
        "name": "",
        **values,
    }


def register_form(request):
    return _form(request)


def _log_in(request, user):
    previous = request.session.id
    remember(request, user.id)
    request.registry.notify(UserLoggedIn(request, user, previous))


def register(request):
    hasher = request.registry.getUtility(IPasswordHasher)
    email = request.POST.get("email", "")
    name = request.POST.get("name", "")
    try:
        user = create_user(
            request.dbsession, hasher, email, request.POST.get("password", ""), name
        )
    except EmailTaken:
        # Answered as a registration that worked, so that the form tells
        # nobody which emails have accounts; nobody is signed in, and the
        # attempt is in the audit log (and the log) for the owner's sake.
        target = normalize_email(email)
        log.warning("registration with an email that has an account: %s", target)
        record(
            request.dbsession,
            f"address:{request.client_addr or '-'}",
            "account.register_taken",
            target,
        )
        return HTTPSeeOther(_safe_next(request))
    except InvalidInput as exc:
        request.response.status = 400
        return _form(request, errors={exc.field: exc.message}, email=email, name=name)
    _log_in(request, user)
    return HTTPSeeOther(_safe_next(request))


def login_form(request):
    return _form(request)


def login(request):
    email = request.POST.get("email", "")
    seconds = locked_for(request, email)
    if seconds is not None:
        message = LOCKED_MESSAGE.format(seconds=seconds)
        return _form(request, email=email, errors={"password": message})
    hasher = request.registry.getUtility(IPasswordHasher)
    user = authenticate(
        request.dbsession, hasher, email, request.POST.get("password", "")
    )
    if user is None:
        count_failure(request, email)
        request.response.status = 400
        return _form(
            request,
            email=email,
            errors={"password": "That email and password do not match an account."},
        )
    _log_in(request, user)
    return HTTPSeeOther(_safe_next(request))


def logout(request):
    user = request.identity
    forget(request)
    if user is not None:
        request.registry.notify(UserLoggedOut(request, user))
    return HTTPSeeOther("/")
