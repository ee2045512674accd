"""Rendered pages, reused while their data is the very same.

A page rendered from cached values is kept with those values (the objects
themselves, not copies). The next request for the same URL on the same host
loads its values through the object cache as usual; when every one of them
is the identical object, the page cannot differ and its bytes are served
again without rendering. Invalidation, expiry or a refill from a lower tier
gives new objects, so the page is rendered afresh: no separate purge exists
to forget.

Only for pages that show no per-user data (DESIGN.md section 4: those are
filled in by the browser), and never while templates reload.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from pyramid.renderers import render
from pyramid.response import Response

from emporium.slots import fill_page

DEFAULT_MAX_ITEMS = 2_000
_MEMO = f"{__name__}.memo"


class RenderMemo:
    """A bounded map of page key -> (source values, body), per process."""

    def __init__(self, max_items: int = DEFAULT_MAX_ITEMS) -> None:
        self.max_items = max_items
        self._pages: OrderedDict[tuple, tuple[tuple, bytes, float | None]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._pages)

    @property
    def enabled(self) -> bool:
        return self.max_items > 0

    def get(self, key: tuple, sources: Sequence[Any]) -> bytes | None:
        found = self._pages.get(key)
        if found is not None:
            kept, body, expires = found
            if (
                len(kept) == len(sources)
                and all(a is b for a, b in zip(kept, sources, strict=True))
                and (expires is None or time.time() < expires)
            ):
                self.hits += 1
                return body
        self.misses += 1
        return None

    def put(
        self,
        key: tuple,
        sources: Sequence[Any],
        body: bytes,
        expires: float | None = None,
    ) -> None:
        """Keep ``body``; ``expires`` (epoch seconds) is when the page would
        change by itself (a sale that starts), whatever its sources."""
        with self._lock:
            self._pages[key] = (tuple(sources), body, expires)
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_items:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def install_memo(registry, max_items: int) -> RenderMemo:
    """The memo of this process's rendered pages, ``max_items`` at most."""
    memo = registry[_MEMO] = RenderMemo(max_items)
    return memo


def memo_of(registry) -> RenderMemo | None:
    return registry.get(_MEMO)


def render_page(
    request,
    renderer: str,
    value: dict | Callable[[], dict],
    sources: Sequence[Any],
    package,
    expires: float | None = None,
    page: str | None = None,
) -> Response:
    """The response of ``renderer`` for ``value`` (or for what ``value()``
    returns: it is called only to render), reused from the memo while
    ``sources`` (the cached values the page shows) are unchanged. ``package``
    is the view's, whose templates the renderer falls back to; ``expires``
    is when the page changes by itself, if it does. ``page`` names the page
    whose slots it shows (``emporium.slots``)."""
    memo = memo_of(request.registry)
    if page is not None:
        fill = fill_page(request, page)
        sources = (*sources, *fill.sources)
        if fill.changes_at is not None:
            expires = (
                fill.changes_at if expires is None else min(expires, fill.changes_at)
            )
        if fill.preview:
            memo = None  # a preview is never kept nor served to anyone else
    key = (renderer, request.host, request.script_name, request.path_qs)
    body = memo.get(key, sources) if memo is not None and memo.enabled else None
    if body is None:
        if callable(value):
            value = value()
        body = render(renderer, value, request, package=package).encode("utf-8")
        if memo is not None and memo.enabled:
            memo.put(key, sources, body, expires)
    return Response(body=body, content_type="text/html", charset="utf-8")
