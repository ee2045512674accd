"""Pyramid sessions kept server-side, in the request's database transaction.

The cookie carries only a signed random id. A session gets an id (and the
browser a cookie) the first time something needs one, and a database row
the first time data is stored in it; a page that merely looks is free.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pyramid.interfaces import ICSRFStoragePolicy, ISession
from sqlalchemy import delete
from zope.interface import implementer

from emporium.cache.interfaces import IObjectCache
from emporium.cache.invalidation import invalidate_after_commit
from emporium.database import utcnow
from emporium.events import SessionExpired
from emporium.interfaces import ISessionFactory
from emporium.sessions.csrf import set_token_cookie
from emporium.sessions.models import SessionRecord
from emporium.sessions.signing import SessionIdSigner

# How stale ``updated_at`` may get (seconds) before a read refreshes it: idle
# timeouts are honoured without writing the row on every request.
TOUCH_INTERVAL = 300


def cache_key(session_id: str) -> str:
    return f"session:{session_id}"


def _mutator(name: str) -> Callable:
    method = getattr(dict, name)

    def changed(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        self.changed()
        return result

    changed.__name__ = name
    return changed


@implementer(ISession)
class ServerSideSession(dict):
    """A dict whose contents live in the ``sessions`` table."""

    def __init__(
        self,
        request,
        signer: SessionIdSigner,
        config: SessionConfig,
        session_id: str | None,
        stored: dict | None,
        reissue_cookie: bool = False,
    ) -> None:
        super().__init__(stored["data"] if stored is not None else {})
        self.request = request
        self.signer = signer
        self.config = config
        self.id = session_id
        self.persisted = stored is not None
        self.new = stored is None
        self.created = stored["created_at"] if stored is not None else time.time()
        self._dirty = False
        self._hooked = False
        self._cookie_scheduled = False
        if reissue_cookie:
            self._schedule_cookie()
        if stored is not None and time.time() - stored["updated_at"] > TOUCH_INTERVAL:
            self.changed()

    # --- identity ---------------------------------------------------------

    def ensure_id(self) -> str:
        """The session's id, assigning one (and a cookie) if it has none."""
        if self.id is None:
            self.id = self.signer.new_id()
            self._schedule_cookie()
        return self.id

    def rotate(self) -> None:
        """A fresh id for the same data: called on login, against fixation."""
        self._forget_stored()
        self.id = self.signer.new_id()
        self._schedule_cookie()
        self.changed()

    def invalidate(self) -> None:
        self._forget_stored()
        dict.clear(self)
        self.id = None
        self._dirty = False
        self._schedule_cookie()

    @property
    def user_id(self) -> int | None:
        return self.get("user_id")

    # --- persistence ------------------------------------------------------

    def changed(self) -> None:
        self._dirty = True
        self.ensure_id()
        self._hook()

    def _hook(self) -> None:
        if not self._hooked:
            self._hooked = True
            self.request.tm.get().addBeforeCommitHook(self.save)

    def save(self) -> None:
        if not self._dirty or self.id is None:
            return
        now = utcnow()
        dbsession = self.request.dbsession
        record = dbsession.get(SessionRecord, self.id)
        if record is None:
            # The session began when its id was issued (perhaps by the proxy,
            # on a first visit): its row and its cookie end together.
            issued = self.signer.issued_at(self.id)
            created = datetime.fromtimestamp(issued, UTC) if issued else now
            record = SessionRecord(id=self.id, created_at=min(created, now))
            dbsession.add(record)
        record.data = dict(self)
        record.user_id = self.get("user_id")
        record.updated_at = now
        dbsession.flush()
        # Written to the database; the cached copy is dropped once that commits.
        invalidate_after_commit(dbsession, [cache_key(self.id)])
        self.persisted = True
        self._dirty = False

    def _forget_stored(self) -> None:
        if self.persisted and self.id is not None:
            dbsession = self.request.dbsession
            dbsession.execute(delete(SessionRecord).where(SessionRecord.id == self.id))
            invalidate_after_commit(dbsession, [cache_key(self.id)])
        self.persisted = False

    def _schedule_cookie(self) -> None:
        if not self._cookie_scheduled:
            self._cookie_scheduled = True
            self.request.add_response_callback(self._set_cookie)

    def _set_cookie(self, request, response) -> None:
        config = self.config
        secure = (
            config.secure if config.secure is not None else request.scheme == "https"
        )
        max_age = int(config.absolute_timeout.total_seconds())
        set_token_cookie(response, self.signer, self.id, max_age, secure)
        if self.id is None:
            response.delete_cookie(config.cookie_name, path="/")
            return
        response.set_cookie(
            config.cookie_name,
            self.signer.sign(self.id),
            max_age=max_age,
            path="/",
            secure=secure,
            httponly=True,
            samesite="Lax",
        )
        response.cache_control.private = True
        response.cache_control.no_store = True

    # --- dict mutations mark the session changed ----------------------------

    __setitem__ = _mutator("__setitem__")
    __delitem__ = _mutator("__delitem__")
    clear = _mutator("clear")
    update = _mutator("update")
    setdefault = _mutator("setdefault")
    pop = _mutator("pop")
    popitem = _mutator("popitem")

    # --- flash messages -----------------------------------------------------

    def flash(self, msg: Any, queue: str = "", allow_duplicate: bool = True) -> None:
        messages = list(self.get(f"_f_{queue}", []))
        if allow_duplicate or msg not in messages:
            messages.append(msg)
            self[f"_f_{queue}"] = messages

    def pop_flash(self, queue: str = "") -> list:
        if f"_f_{queue}" not in self:
            return []
        return self.pop(f"_f_{queue}")

    def peek_flash(self, queue: str = "") -> list:
        return list(self.get(f"_f_{queue}", []))

    def new_csrf_token(self) -> str:
        policy = self.request.registry.getUtility(ICSRFStoragePolicy)
        return policy.new_csrf_token(self.request)

    def get_csrf_token(self) -> str:
        policy = self.request.registry.getUtility(ICSRFStoragePolicy)
        return policy.get_csrf_token(self.request)


class SessionConfig:
    def __init__(
        self,
        cookie_name: str,
        idle_timeout: timedelta,
        absolute_timeout: timedelta,
        secure: bool | None,
    ) -> None:
        self.cookie_name = cookie_name
        self.idle_timeout = idle_timeout
        self.absolute_timeout = absolute_timeout
        self.secure = secure


@implementer(ISessionFactory)
class SessionFactory:
    """Pyramid session factory: verifies the cookie and loads the record."""

    def __init__(self, signer: SessionIdSigner, config: SessionConfig) -> None:
        self.signer = signer
        self.config = config

    def cookie_session_id(self, request) -> tuple[str | None, bool]:
        """The verified id from the request's cookie, and whether the current
        key signed it."""
        cached = request.environ.get("emporium.session_id")
        if cached is None:
            cached = self.signer.unsign(request.cookies.get(self.config.cookie_name))
            request.environ["emporium.session_id"] = cached
        return cached

    def _stored(self, request, session_id: str) -> dict | None:
        """The stored session: from the object cache, else the database."""

        def load(key=None) -> dict | None:
            record = request.dbsession.get(SessionRecord, session_id)
            if record is None:
                return None
            return {
                "data": record.data,
                "created_at": record.created_at.timestamp(),
                "updated_at": record.updated_at.timestamp(),
            }

        cache = request.registry.queryUtility(IObjectCache)
        if cache is None:
            return load()
        return cache.get(cache_key(session_id), load)

    def __call__(self, request) -> ServerSideSession:
        session_id, current = self.cookie_session_id(request)
        stored = None
        expired = False
        if session_id is None:
            # A genuine id past the absolute timeout: what it held goes too.
            aged = self.signer.aged_out(request.cookies.get(self.config.cookie_name))
            if aged is not None:
                self._end(request, aged)
                expired = True
        if session_id is not None:
            stored = self._stored(request, session_id)
            if stored is not None and self._expired(stored):
                self._end(request, session_id)
                stored = None
                session_id = None
                expired = True
        return ServerSideSession(
            request,
            self.signer,
            self.config,
            session_id,
            stored,
            # An expired id's cookie is dropped (or replaced, should the
            # request need a session); a proxy-assigned id or one signed by
            # an old key gets a new cookie.
            reissue_cookie=expired or (session_id is not None and not current),
        )

    @staticmethod
    def _end(request, session_id: str) -> None:
        """Delete an expired session's row; tell whoever kept things in it."""
        request.dbsession.execute(
            delete(SessionRecord).where(SessionRecord.id == session_id)
        )
        invalidate_after_commit(request.dbsession, [cache_key(session_id)])
        request.registry.notify(SessionExpired(request, session_id))

    def _expired(self, stored: dict) -> bool:
        now = time.time()
        return (
            now - stored["updated_at"] > self.config.idle_timeout.total_seconds()
            or now - stored["created_at"] > self.config.absolute_timeout.total_seconds()
        )
