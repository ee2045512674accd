"""Who may use the admin console: an ACL that denies by default."""

from __future__ import annotations

from pyramid.authorization import DENY_ALL, Allow, Everyone

# Permissions of the console.
LOGIN = "admin.login"  # the login form: anyone may see it
USE = "admin.use"  # every screen a merchandiser works with
MANAGE_STAFF = "admin.staff"  # staff accounts: administrators only

STAFF_ROLES = ("merchandiser", "administrator")


class AdminRoot:
    """The context of every ``/admin`` route."""

    __acl__ = [
        (Allow, Everyone, LOGIN),
        (Allow, "role:merchandiser", USE),
        (Allow, "role:administrator", (USE, MANAGE_STAFF)),
        DENY_ALL,
    ]

    def __init__(self, request) -> None:
        self.request = request


def actor_of(request) -> str:
    """How the audit log names the person behind ``request``."""
    user = request.identity
    if user is None:
        return "anonymous"
    return f"user:{user.id} {user.email}"


def is_staff(user) -> bool:
    return user is not None and bool(user.role_set & set(STAFF_ROLES))
