"""Who is asking, and what they may do: identity from the server-side
session, permissions from ACLs with roles as principals."""

from __future__ import annotations

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.interfaces import ISecurityPolicy
from zope.interface import implementer

from emporium.security.models import User
from emporium.sessions.csrf import InvalidSession


@implementer(ISecurityPolicy)
class SessionSecurityPolicy:
    def identity(self, request) -> User | None:
        session = request.session
        if isinstance(session, InvalidSession):
            return None
        user_id = session.get("user_id")
        if user_id is None:
            return None
        user = request.dbsession.get(User, user_id)
        if user is None:
            session.pop("user_id", None)
        return user

    def authenticated_userid(self, request) -> int | None:
        user = request.identity
        return user.id if user is not None else None

    def principals(self, request) -> list[str]:
        principals = [Everyone]
        user = request.identity
        if user is not None:
            principals += [Authenticated, f"user:{user.id}"]
            principals += [f"role:{role}" for role in sorted(user.role_set)]
        return principals

    def permits(self, request, context, permission):
        return ACLHelper().permits(context, self.principals(request), permission)

    def remember(self, request, userid, **kw) -> list:
        # A new id on login: a session id known before login is worthless after.
        request.session.rotate()
        request.session["user_id"] = userid
        return []

    def forget(self, request, **kw) -> list:
        request.session.invalidate()
        return []
