"""Request-scoped caching: what one request uses many times is made once.

``request.memo(key, creator)`` keeps ``creator()``'s value for the rest of
the request; nothing outlives the request, so nothing needs invalidating.
The current section (``request.section``) is reified the same way, and the
theme lookup keeps each search path it computed; the session will be.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.config import Configurator


class RequestMemo:
    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}

    def __call__(self, key: Any, creator: Callable[[], Any]) -> Any:
        try:
            return self._values[key]
        except KeyError:
            value = self._values[key] = creator()
            return value

    def forget(self, key: Any) -> None:
        self._values.pop(key, None)


def _memo(request) -> RequestMemo:
    return RequestMemo()


def includeme(config: Configurator) -> None:
    config.add_request_method(_memo, "memo", reify=True)
