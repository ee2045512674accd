"""Caching headers made from what a page showed (DESIGN.md section 4).

A page that read cached partitions and shows nothing of one shopper's gets
``Cache-Control: public, max-age=<a little>, s-maxage=<its TTL>`` (the
shortest TTL among its partitions, capped at its next scheduled price
change), ``Expires``, ``Last-Modified``, a strong ``ETag`` and the surrogate
keys of what it shows; a conditional request it satisfies gets ``304``.
Anything user-specific (a cookie set, the session used) is ``private,
no-store``, whatever the view said.

The finishing runs on ``NewResponse``, after the response callbacks, so
that it sees the session's ``Set-Cookie``.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

from emporium.cache.interfaces import IObjectCache
from emporium.pagecache import record as page_record
from emporium.pagecache.keys import HEADER, page_keys
from emporium.sessions.csrf import InvalidSession
from emporium.settings import setting_value

ENVIRON_KEY = "emporium.page"
# This module's state in the registry.
_SETTINGS = f"{__name__}.settings"
_VALIDATORS = f"{__name__}.validators"
# A page whose key header had to leave keys out is purged by its TTL alone.
UNNAMED_TTL = 10
_CACHEABLE_METHODS = ("GET", "HEAD")


class Validators:
    """When each page's current body was first served: its ``Last-Modified``.

    Kept in the object cache under the URL with the body's ETag, so every
    worker and app server gives the same date through the shared tiers and a
    page rebuilt with the same bytes keeps it. A different body, even one
    served before, gets the time it comes back, so a client's
    ``If-Modified-Since`` for the body in between is not answered ``304``
    (within one second only the ETag tells them apart, as HTTP dates go).
    """

    partition = "validators"
    ttl = 86_400  # a page unchanged for longer gets a fresh date once a day

    def __init__(self, cache) -> None:
        self.cache = cache

    def last_modified(self, key: tuple, etag: str, now: float) -> int:
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
        cache_key = f"{self.partition}:{digest}"
        found = self.cache.get(cache_key)
        if isinstance(found, list) and len(found) == 2 and found[0] == etag:
            return int(found[1])
        # Never later than now: a date in the future makes a client's
        # If-Modified-Since one that caches (Varnish) ignore.
        stamp = int(now)
        self.cache.set_many({cache_key: [etag, stamp]})
        return stamp


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _etags(value: str) -> list[str]:
    tags = []
    for item in value.split(","):
        item = item.strip()
        if item.startswith("W/"):
            item = item[2:]
        if item:
            tags.append(item)
    return tags


def not_modified(request, etag: str, last_modified: int) -> bool:
    """Whether the client's copy is current: ``If-None-Match`` decides when
    sent (weak comparison, as RFC 9110 asks for GET), else
    ``If-Modified-Since``."""
    none_match = request.headers.get("If-None-Match")
    if none_match is not None:
        tags = _etags(none_match)
        return "*" in tags or etag in tags
    since = request.if_modified_since
    return since is not None and last_modified <= since.timestamp()


def user_specific(request, response) -> bool:
    """A cookie is set, or the view used (declared) the session."""
    if "Set-Cookie" in response.headers:
        return True
    session = request.__dict__.get("session")
    return session is not None and not isinstance(session, InvalidSession)


def make_private(response) -> None:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers.pop("Expires", None)
    response.headers.pop(HEADER, None)


def _to_not_modified(response) -> None:
    response.status = 304
    response.body = b""
    for name in ("Content-Length", "Content-Type"):
        response.headers.pop(name, None)


def finish(request, response, settings: dict, now: float | None = None) -> None:
    """Give ``response`` the caching headers its page record calls for."""
    record = request.environ.get(ENVIRON_KEY)
    if user_specific(request, response):
        if record or response.cache_control.public:
            make_private(response)
        return
    if (
        not record
        or request.method not in _CACHEABLE_METHODS
        or response.status_code != 200
    ):
        return
    control = response.cache_control
    if control.private or control.no_store or control.no_cache:
        return  # the view knows better
    now = time.time() if now is None else now
    cache = request.registry.getUtility(IObjectCache)
    ttl = record.ttl(cache.ttl, now)
    keys, complete = page_keys(record, settings["max_key_bytes"])
    if not complete:
        ttl = min(ttl, UNNAMED_TTL)
    max_age = min(settings["max_age"], ttl)
    response.headers["Cache-Control"] = f"public, max-age={max_age}, s-maxage={ttl}"
    response.expires = datetime.fromtimestamp(int(now) + ttl, UTC)
    if keys:
        response.headers[HEADER] = keys
    body = response.body
    etag = response.headers.get("ETag") or strong_etag(body)
    response.headers["ETag"] = etag
    validators: Validators = request.registry[_VALIDATORS]
    stamp = validators.last_modified((request.host, request.path_qs), etag, now)
    response.last_modified = datetime.fromtimestamp(stamp, UTC)
    if not_modified(request, etag, stamp):
        _to_not_modified(response)


def page_settings(settings) -> dict:
    return {
        "max_age": setting_value(settings, "emporium.pagecache.max_age"),
        "max_key_bytes": setting_value(settings, "emporium.pagecache.max_key_bytes"),
    }


def configure(registry, settings, cache) -> None:
    """Keep what finishing a response needs: its settings, and the dates
    pages changed (kept in ``cache``)."""
    registry[_SETTINGS] = page_settings(settings)
    registry[_VALIDATORS] = Validators(cache)


def page_record_tween_factory(handler, registry):
    """Opens the page record the façade notes into, for one request."""

    def page_record_tween(request):
        token = page_record.start()
        request.environ[ENVIRON_KEY] = page_record.current()
        try:
            return handler(request)
        finally:
            page_record.stop(token)

    return page_record_tween


def finish_on_new_response(event) -> None:
    request = event.request
    settings = request.registry[_SETTINGS]
    finish(request, event.response, settings)
