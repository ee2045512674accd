"""The proxy tier's purger: HTTP ``PURGE`` to every configured Varnish.

- one URL: ``PURGE <path>`` with the page's ``Host`` (the URL's own, or
  each of ``emporium.purge.hosts``, else the proxy's address);
- by surrogate key: ``PURGE /`` with the keys in ``xkey-purge`` (the xkey
  module), in batches that stay well under Varnish's header limits;
- by prefix: ``BAN`` with ``x-ban-prefix`` (for the admin's emergency purge).

Each request is retried with a short backoff; a proxy that still fails is
logged at ERROR with what it missed, and every purge is written to the
audit log (who, what, when, the result on each proxy). With no proxy
configured, purges are recorded and logged only (``NO_PROXY``): that is the
embedded default's purger.
"""

from __future__ import annotations

import http.client
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

from sqlalchemy.orm import Session
from zope.interface import implementer

from emporium.audit import record
from emporium.interfaces import IPurger, PurgeResult

log = logging.getLogger(__name__)

NO_PROXY = "recorded, no proxy configured"
KEY_HEADER = "xkey-purge"
# Varnish's http_req_hdr_len is 8 KiB by default: stay well under it.
MAX_KEYS_BYTES = 4000


def key_batches(keys: Sequence[str], limit: int = MAX_KEYS_BYTES) -> list[str]:
    batches: list[str] = []
    current: list[str] = []
    size = 0
    for key in keys:
        if current and size + len(key) + 1 > limit:
            batches.append(" ".join(current))
            current, size = [], 0
        current.append(key)
        size += len(key) + 1
    if current:
        batches.append(" ".join(current))
    return batches


@implementer(IPurger)
class VarnishPurger:
    def __init__(
        self,
        proxies: Sequence[str],
        dbsession_factory: Callable[[], Session],
        hosts: Sequence[str] = (),
        attempts: int = 3,
        timeout: float = 2.0,
        backoff: float = 0.2,
    ) -> None:
        self.proxies = [p.rstrip("/") for p in proxies]
        self.dbsession_factory = dbsession_factory
        self.hosts = list(hosts)
        self.attempts = max(1, attempts)
        self.timeout = timeout
        self.backoff = backoff

    # -- IPurger ---------------------------------------------------------------

    def purge_urls(self, urls: Iterable[str], actor: str) -> list[PurgeResult]:
        results = []
        targets = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
        for url in targets:
            parts = urlsplit(url)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            hosts = [parts.netloc] if parts.netloc else self.hosts or [None]
            for proxy in self.proxies:
                for host in hosts:
                    headers = {"Host": host} if host else {}
                    results.append(self._send(proxy, "PURGE", path, headers, url))
        self._audit("purge.url", targets, actor, results)
        return results

    def purge_keys(self, keys: Iterable[str], actor: str) -> list[PurgeResult]:
        targets = sorted({k.strip() for k in keys if k and k.strip()})
        results = []
        for batch in key_batches(targets):
            for proxy in self.proxies:
                results.append(
                    self._send(proxy, "PURGE", "/", {KEY_HEADER: batch}, batch)
                )
        self._audit("purge.key", targets, actor, results)
        return results

    def purge_prefix(self, prefix: str, actor: str) -> list[PurgeResult]:
        """Every cached URL under ``prefix`` (a ban, in Varnish terms)."""
        prefix = prefix.strip()
        if not prefix:
            return []
        results = [
            self._send(proxy, "BAN", "/", {"x-ban-prefix": prefix}, prefix)
            for proxy in self.proxies
        ]
        self._audit("purge.prefix", [prefix], actor, results)
        return results

    # -- sending ---------------------------------------------------------------

    def _send(
        self, proxy: str, method: str, path: str, headers: dict, target: str
    ) -> PurgeResult:
        parts = urlsplit(proxy)
        message = ""
        status = None
        for attempt in range(1, self.attempts + 1):
            connection = http.client.HTTPConnection(
                parts.hostname, parts.port or 80, timeout=self.timeout
            )
            try:
                connection.request(method, path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                message = f"{response.status} {response.reason}"
                # 404: nothing cached under it, which is what a purge wants.
                if response.status < 300 or response.status == 404:
                    return PurgeResult(proxy, target, True, message, status, attempt)
                if response.status < 500:
                    break  # refused (405 outside the ACL): retrying won't help
            except OSError as exc:
                message = f"{type(exc).__name__}: {exc}"
            finally:
                connection.close()
            if attempt < self.attempts:
                time.sleep(self.backoff * 3 ** (attempt - 1))
        log.error(
            "PURGE FAILED: %s %s on %s after %d attempt(s): %s; the page stays "
            "cached until its TTL ends",
            method,
            target,
            proxy,
            attempt,
            message,
        )
        return PurgeResult(proxy, target, False, message, status, attempt)

    def _audit(
        self, action: str, targets: list[str], actor: str, results: list
    ) -> None:
        if not targets:
            return
        if not self.proxies:
            results.extend(PurgeResult("none", t, True, NO_PROXY) for t in targets)
        by_target: dict[str, list[PurgeResult]] = {}
        for result in results:
            by_target.setdefault(result.target, []).append(result)
        # A session of its own: a purge is audited even when it runs after
        # the request's transaction committed.
        with self.dbsession_factory() as dbsession, dbsession.begin():
            for target in targets:
                found = by_target.get(target) or [
                    r for r in results if target in r.target.split(" ")
                ]
                ok = all(r.ok for r in found)
                summary = NO_PROXY if not self.proxies else ("ok" if ok else "failed")
                record(
                    dbsession,
                    actor,
                    action,
                    target,
                    result=summary,
                    proxies={r.proxy: r.message for r in found},
                )
        level = logging.INFO if all(r.ok for r in results) else logging.ERROR
        for target in targets:
            log.log(level, "%s %s by %s", action, target, actor)
