"""Staff accounts (administrators only): who may use the console."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from sqlalchemy import or_, select

from emporium.accounts.services import create_user
from emporium.audit import record
from emporium.errors import InvalidInput
from emporium.interfaces import IPasswordHasher
from emporium.security.models import User
from emporium_admin.resources import STAFF_ROLES, actor_of
from emporium_admin.views import page


def staff_list(request, errors=None, values=None, status=200):
    request.response.status = status
    users = list(
        request.dbsession.scalars(
            select(User)
            .where(
                or_(
                    User.roles.contains("merchandiser"),
                    User.roles.contains("administrator"),
                )
            )
            .order_by(User.email)
        )
    )
    return page(
        request,
        staff=users,
        roles=STAFF_ROLES,
        errors=errors or {},
        values=values or {"role": "merchandiser"},
    )


def create_staff(request):
    email = request.POST.get("email", "")
    name = request.POST.get("name", "")
    role = request.POST.get("role", "")
    values = {"email": email, "name": name, "role": role}
    if role not in STAFF_ROLES:
        return staff_list(request, {"role": "choose a role"}, values, 400)
    hasher = request.registry.getUtility(IPasswordHasher)
    try:
        user = create_user(
            request.dbsession,
            hasher,
            email,
            request.POST.get("password", ""),
            name,
            roles=role,
        )
    except InvalidInput as exc:
        return staff_list(request, {exc.field: exc.message}, values, 400)
    record(request.dbsession, actor_of(request), "admin.create", user.email, role=role)
    request.session.flash(f"Created the {role} account {user.email}.")
    return HTTPSeeOther(request.route_path("admin.staff"))
