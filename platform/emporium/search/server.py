"""The search daemon: the index over HTTP/JSON, for app servers that set
``emporium.search.servers``. It knows nothing of HTML.

``POST /v1/search``   conditions (SearchConditions JSON) -> ids, total, facets
``GET  /v1/suggest``  ``?q=&limit=`` -> suggestions
``POST /v1/update``   ``{"ids": [...]}`` -> re-read these products into the index
``GET  /health``      200 when an index is open, else 503

Every replica opens the same index directory and follows its swaps; an
update is written by the replica that receives it, and the others see the
commit.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

from emporium.errors import InvalidInput
from emporium.search import indexing
from emporium.search.conditions import MAX_QUERY_LENGTH, SearchConditions
from emporium.search.engine import SearchIndex
from emporium.search.errors import SearchUnavailable
from emporium.settings import setting_value

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000
MAX_UPDATE_IDS = 100_000


class SearchApplication:
    """A plain WSGI application around one SearchIndex."""

    def __init__(self, registry, directory: str) -> None:
        self.registry = registry
        self.index = SearchIndex(
            directory,
            setting_value(registry.settings, "emporium.search.counts_cache"),
        )

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        try:
            if path == "/health" and method == "GET":
                status, body = self.health()
            elif path == "/v1/search" and method == "POST":
                conditions = SearchConditions.from_json(_body(environ))
                status, body = 200, self.index.search(conditions).to_json()
            elif path == "/v1/suggest" and method == "GET":
                status, body = 200, self.suggest(environ)
            elif path == "/v1/update" and method == "POST":
                status, body = 200, self.update(_body(environ))
            elif path in ("/health", "/v1/search", "/v1/suggest", "/v1/update"):
                status, body = 405, _problem(405, "method not allowed")
            else:
                status, body = 404, _problem(404, "no such endpoint")
        except InvalidInput as exc:
            status, body = 400, _problem(400, exc.message, field=exc.field)
        except SearchUnavailable as exc:
            status, body = 503, _problem(503, str(exc))
        except Exception:
            log.exception("search server error on %s %s", method, path)
            status, body = 500, _problem(500, "internal error")
        data = json.dumps(body).encode()
        content_type = (
            "application/json" if status < 400 else "application/problem+json"
        )
        start_response(
            f"{status} {_REASONS.get(status, 'Error')}",
            [("Content-Type", content_type), ("Content-Length", str(len(data)))],
        )
        return [data]

    def health(self) -> tuple[int, dict]:
        folder = self.index.directory.live()
        if folder is None or not self.index.available:
            return 503, _problem(503, "no index built")
        counts = self.index.counts
        return 200, {
            "ok": True,
            "index": folder,
            # What the process keeps, against its bound (a soak reads it).
            "counts_cache": {"entries": len(counts), "limit": counts.size},
        }

    def suggest(self, environ) -> dict:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        text = (query.get("q") or [""])[0]
        if len(text) > MAX_QUERY_LENGTH:
            raise InvalidInput("q", f"must be at most {MAX_QUERY_LENGTH} characters")
        raw = (query.get("limit") or ["8"])[0]
        if not raw.isdigit() or not 1 <= int(raw) <= 50:
            raise InvalidInput("limit", "must be a whole number from 1 to 50")
        return {"suggestions": self.index.suggest(text, int(raw))}

    def update(self, data) -> dict:
        ids = data.get("ids") if isinstance(data, dict) else None
        if (
            not isinstance(ids, list)
            or len(ids) > MAX_UPDATE_IDS
            or not all(isinstance(i, int) and i >= 0 for i in ids)
        ):
            raise InvalidInput("ids", "must be a list of product ids")
        count = indexing.apply_changes(self.registry, self.index, ids)
        return {"updated": count}


_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _problem(status: int, detail: str, **extra) -> dict:
    body = {"title": _REASONS.get(status, "Error"), "status": status}
    return body | {"detail": detail} | extra


def _body(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0 or length > MAX_BODY:
        raise InvalidInput("body", "must be a JSON document of at most 1 MB")
    try:
        return json.loads(environ["wsgi.input"].read(length))
    except ValueError:
        raise InvalidInput("body", "is not valid JSON") from None
