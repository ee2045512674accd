"""Staff accounts (administrators only): who may use the console."""

from __future__ import annotations

from sqlalchemy import or_, select

from emporium.security.models import User
from emporium_admin.views import page


def staff_list(request):
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
    return page(request, staff=users)
