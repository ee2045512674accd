"""The two ISearch implementations: the index in-process (the embedded
default) and a client of ``emporium search-server`` replicas (the cluster).

``emporium.search.servers`` chooses: empty for in-process, else the
replicas' base URLs, over which queries are spread.
"""

from __future__ import annotations

import http.client
import itertools
import json
import logging
import os
import queue
import threading
import time
from urllib.parse import urlencode, urlsplit

from sqlalchemy.engine import make_url
from zope.interface import implementer

from emporium.errors import ConfigurationError, InvalidInput
from emporium.search import indexing
from emporium.search.conditions import SearchConditions, SearchResult
from emporium.search.engine import SearchIndex
from emporium.search.errors import SearchUnavailable
from emporium.search.interfaces import ISearch
from emporium.settings import setting_value

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 1.0
# A replica that failed is left alone this long before it is tried again.
RETRY_AFTER = 2.0
POOL_SIZE = 8


def index_directory(settings: dict) -> str:
    """``emporium.search.index``, else beside a SQLite database (so that each
    database, a test's included, has its own index), else ``var/search``."""
    configured = setting_value(settings, "emporium.search.index")
    if configured:
        return os.path.abspath(configured)
    url = setting_value(settings, "sqlalchemy.url") or ""
    try:
        parsed = make_url(url)
    except Exception:
        parsed = None
    if parsed is not None and parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            return os.path.abspath(database) + ".search"
    here = settings.get("here") or os.getcwd()
    return os.path.join(here, "var", "search")


def server_urls(settings: dict) -> list[str]:
    return setting_value(settings, "emporium.search.servers")


def timeout_setting(settings: dict) -> float:
    return setting_value(settings, "emporium.search.timeout")


@implementer(ISearch)
class LocalSearch:
    """The index read (and updated) in this process."""

    def __init__(self, registry, directory: str) -> None:
        self.registry = registry
        self.directory = directory
        self.index = SearchIndex(
            directory,
            setting_value(registry.settings, "emporium.search.counts_cache"),
        )

    def search(self, conditions: SearchConditions) -> SearchResult:
        return self.index.search(conditions)

    def suggest(self, text: str, limit: int = 8) -> list[dict]:
        return self.index.suggest(text, limit)

    def update(self, product_ids) -> None:
        if not self.index.available:
            return  # nothing built yet: the first reindex reads everything
        indexing.apply_changes(self.registry, self.index, product_ids)

    def health(self) -> dict:
        folder = self.index.directory.live()
        return {"ok": folder is not None, "index": folder}


class _Replica:
    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"emporium.search.servers: not an http URL: {url!r}")
        self.url = url
        self.host = parts.hostname
        self.port = parts.port or 80
        self.timeout = timeout
        self.down_until = 0.0
        self._pool: queue.LifoQueue[http.client.HTTPConnection] = queue.LifoQueue(
            POOL_SIZE
        )

    def request(self, method: str, path: str, body: bytes | None = None):
        """One request on a pooled keep-alive connection; a connection that
        went stale is replaced once."""
        for attempt in range(2):
            try:
                connection = self._pool.get_nowait()
                reused = True
            except queue.Empty:
                connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout
                )
                reused = False
            try:
                headers = {"Content-Type": "application/json"} if body else {}
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                if reused and attempt == 0:
                    continue  # the server closed an idle connection: retry fresh
                raise
            if response.will_close:
                connection.close()
            else:
                try:
                    self._pool.put_nowait(connection)
                except queue.Full:
                    connection.close()
            return response.status, data
        raise OSError("unreachable")

    def close(self) -> None:
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return


@implementer(ISearch)
class RemoteSearch:
    """Queries spread round-robin over search-server replicas; a replica
    that fails is skipped for a moment and the next one asked."""

    def __init__(self, urls: list[str], timeout: float = DEFAULT_TIMEOUT) -> None:
        self.replicas = [_Replica(url, timeout) for url in urls]
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._probe_at = 0.0

    def _order(self) -> list[_Replica]:
        with self._lock:
            start = next(self._turn) % len(self.replicas)
        ring = self.replicas[start:] + self.replicas[:start]
        now = time.monotonic()
        up = [r for r in ring if r.down_until <= now]
        if up:
            return up
        # All are failing: one request in RETRY_AFTER seconds tries them (one
        # may be back); the others are answered at once, not each made to
        # wait for servers that may not answer at all.
        with self._lock:
            if now < self._probe_at:
                return []
            self._probe_at = now + RETRY_AFTER
        return ring

    def _call(self, method: str, path: str, payload=None, every: bool = False):
        body = json.dumps(payload).encode() if payload is not None else None
        errors = []
        for replica in self._order():
            try:
                status, data = replica.request(method, path, body)
            except (TimeoutError, OSError, http.client.HTTPException) as exc:
                replica.down_until = time.monotonic() + RETRY_AFTER
                errors.append(f"{replica.url}: {type(exc).__name__}")
                continue
            if status == 400:
                problem = _json(data)
                raise InvalidInput(
                    problem.get("field") or "q", problem.get("detail") or "invalid"
                )
            if status >= 500:
                replica.down_until = time.monotonic() + RETRY_AFTER
                errors.append(f"{replica.url}: HTTP {status}")
                continue
            replica.down_until = 0.0
            return _json(data)
        if errors:
            with self._lock:  # every replica failed: the next try waits
                self._probe_at = time.monotonic() + RETRY_AFTER
        raise SearchUnavailable(
            "no search server answered: "
            + ("; ".join(errors) or "all are failing, tried again shortly")
        )

    def search(self, conditions: SearchConditions) -> SearchResult:
        data = self._call("POST", "/v1/search", conditions.to_json())
        return SearchResult.from_json(data)

    def suggest(self, text: str, limit: int = 8) -> list[dict]:
        data = self._call(
            "GET", "/v1/suggest?" + urlencode({"q": text, "limit": limit})
        )
        return data["suggestions"]

    def update(self, product_ids) -> None:
        # One replica is enough: they all read the index it writes.
        self._call("POST", "/v1/update", {"ids": sorted(int(i) for i in product_ids)})

    def health(self) -> dict:
        answering = []
        for replica in self.replicas:
            try:
                status, _ = replica.request("GET", "/health")
            except (OSError, http.client.HTTPException):
                continue
            if status == 200:
                answering.append(replica.url)
        return {"ok": bool(answering), "servers": answering}

    def close(self) -> None:
        for replica in self.replicas:
            replica.close()


def _json(data: bytes) -> dict:
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def make_search(registry) -> LocalSearch | RemoteSearch:
    settings = registry.settings
    urls = server_urls(settings)
    if urls:
        try:
            return RemoteSearch(urls, timeout_setting(settings))
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
    return LocalSearch(registry, index_directory(settings))
