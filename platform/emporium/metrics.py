"""``GET /metrics``: the application's counters in Prometheus text format.

Features add collectors with ``config.add_metrics_collector(collector)``
(a ``prometheus_client`` collector: an object with ``collect()``), or count
with ``counter(registry, name, ...)``. The core counts requests
(``emporium_requests_total`` by route and status class). Only scrapers on
``emporium.metrics.allow`` asking directly (not through the proxy tier) are
answered; anyone else gets a 404.

An app server is several worker processes, and a scrape reaches one of
them. With ``emporium.metrics.dir`` set (one folder per app server), every
worker writes its counters there every few seconds and when it exits, and
``/metrics`` answers with the sum over the server's workers, the live and
the retired (a worker recycled after ``max_requests`` keeps counting in the
total; what it held, its gauges, goes with it). Without it, each process
reports its own counters.
"""

from __future__ import annotations

import atexit
import errno
import fcntl
import ipaddress
import json
import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    generate_latest,
)
from prometheus_client.metrics_core import Metric
from pyramid.config import Configurator
from pyramid.events import NewResponse
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response

from emporium.settings import setting_value

log = logging.getLogger(__name__)

# This module's state in the registry: its prometheus registry, publisher,
# request counter and the networks allowed to scrape.
_COLLECTORS = f"{__name__}.collectors"
_STORE = f"{__name__}.store"
_REQUESTS = f"{__name__}.requests"
_ALLOW = f"{__name__}.allow"
PUBLISH_EVERY = 5.0
ARCHIVE = "retired.json"


def add_metrics_collector(config: Configurator, collector) -> None:
    """Directive: publish ``collector``'s metrics at ``/metrics``."""

    def register() -> None:
        config.registry[_COLLECTORS].register(collector)

    config.action(None, register)


def counter(registry, name: str, documentation: str, labels: Iterable[str] = ()):
    """Make the app's counter ``name`` (at configuration time) and return
    it: count with ``.labels(...).inc()``. Published at ``/metrics`` as
    ``<name>_total``."""
    return Counter(name, documentation, tuple(labels), registry=registry[_COLLECTORS])


# -- one process's counters, as plain data -------------------------------------


def snapshot(registry: CollectorRegistry) -> dict:
    """``{family: {"type", "help", "samples": [[name, labels, value], ...]}}``;
    ``_created`` samples (a process's start time) are left out."""
    families = {}
    for family in registry.collect():
        samples = [
            [sample.name, dict(sample.labels), sample.value]
            for sample in family.samples
            if not sample.name.endswith("_created")
        ]
        families[family.name] = {
            "type": family.type,
            "help": family.documentation,
            "samples": samples,
        }
    return families


def merge(snapshots: Iterable[dict]) -> dict:
    """The sum of ``snapshots``, sample by sample."""
    merged: dict = {}
    for snap in snapshots:
        for name, family in snap.items():
            into = merged.setdefault(
                name, {"type": family["type"], "help": family["help"], "totals": {}}
            )
            for sample, labels, value in family["samples"]:
                key = (sample, tuple(sorted(labels.items())))
                into["totals"][key] = into["totals"].get(key, 0) + value
    return {
        name: {
            "type": family["type"],
            "help": family["help"],
            "samples": [
                [sample, dict(labels), value]
                for (sample, labels), value in sorted(family["totals"].items())
            ],
        }
        for name, family in merged.items()
    }


def _counters(snap: dict) -> dict:
    """``snap`` without its gauges: what a process that is gone held is
    gone with it; only what it counted carries over."""
    return {name: f for name, f in snap.items() if f["type"] != "gauge"}


class MergedCollector:
    """A collector that yields the families of a merged snapshot."""

    def __init__(self, families: dict) -> None:
        self.families = families

    def collect(self):
        for name, family in self.families.items():
            metric = Metric(name, family["help"], family["type"])
            for sample, labels, value in family["samples"]:
                metric.add_sample(sample, labels, value)
            yield metric


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True


class MetricsStore:
    """One app server's folder of per-process counter files.

    A process writes ``<pid>-<token>.json`` (the token is drawn when it
    starts, so a later process given the same pid never writes over it).
    The counters of processes that have exited are folded into ``retired.json``,
    which names the files it has taken in: a fold cut short is finished by
    the next one without counting a file twice.
    """

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _write(self, path: Path, data: dict) -> None:
        fd, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
        os.replace(temporary, path)

    def _read(self, path: Path) -> dict:
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return {}  # gone, or being replaced: the next scrape reads it

    def publish(self, registry: CollectorRegistry, key: str) -> None:
        """Write the counters of the process ``key`` (``<pid>-<token>``)."""
        self._write(self.directory / f"{key}.json", snapshot(registry))

    def _retired(self) -> dict | None:
        path = self.directory / ARCHIVE
        if not path.exists():
            return {"families": {}, "folded": []}
        try:
            data = json.loads(path.read_text())
            return {"families": data["families"], "folded": list(data["folded"])}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("metrics: %s cannot be read (%s); not folding into it", path, exc)
            return None

    def merged(self, key: str, own: dict) -> dict:
        """The sum of ``own`` (the counters of process ``key``, fresh) and
        every other process's file, retired ones included."""
        own_pid = key.split("-", 1)[0]
        with open(self.directory / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            retired = self._retired()
            live, gone = [], []
            for path in self.directory.glob("*-*.json"):
                pid = path.stem.split("-", 1)[0]
                if path.stem == key or not pid.isdigit():
                    continue
                # A file of our own pid but not ours is a predecessor's.
                alive = pid != own_pid and _alive(int(pid))
                (live if alive else gone).append(path)
            if retired is None:
                return merge(
                    [
                        own,
                        *(self._read(p) for p in live),
                        *(_counters(self._read(p)) for p in gone),
                    ]
                )
            fresh = [p for p in gone if p.name not in retired["folded"]]
            if fresh:
                retired = {
                    "families": merge(
                        [
                            retired["families"],
                            *(_counters(self._read(p)) for p in fresh),
                        ]
                    ),
                    "folded": [
                        name
                        for name in retired["folded"]
                        if (self.directory / name).exists()
                    ]
                    + [p.name for p in fresh],
                }
                self._write(self.directory / ARCHIVE, retired)
            for path in gone:
                path.unlink(missing_ok=True)
            return merge([own, retired["families"], *(self._read(p) for p in live)])


class Publisher:
    """Writes this process's counters every ``interval`` seconds from a
    daemon thread, started by the first request (after the fork), and once
    more at exit."""

    def __init__(self, store: MetricsStore, registry: CollectorRegistry) -> None:
        self.store = store
        self.registry = registry
        self.interval = PUBLISH_EVERY
        self.key: str | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._warned = False

    def ensure_started(self) -> str:
        """This process's key, its thread started on first use."""
        if self._pid == os.getpid():
            return self.key
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self.key = f"{self._pid}-{secrets.token_hex(4)}"
                try:
                    threading.Thread(
                        target=self._run, name="emporium-metrics", daemon=True
                    ).start()
                    atexit.register(self.publish)
                except RuntimeError as exc:  # no thread to be had: at exit only
                    self._warn(exc)
        return self.key

    def publish(self) -> None:
        try:
            self.store.publish(self.registry, self.key)
        except OSError as exc:
            # A full or read-only disk costs the metrics, never a request.
            self._warn(exc)

    def _warn(self, exc: Exception) -> None:
        if not self._warned:
            self._warned = True
            log.warning("metrics: cannot publish to %s: %s", self.store.directory, exc)

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            self.publish()


def server_totals(registry) -> dict | None:
    """The app server's counters (every worker's, summed) as merged
    families, or ``None`` when only this process's are known."""
    publisher: Publisher | None = registry.get(_STORE)
    if publisher is None:
        return None
    key = publisher.ensure_started()
    return publisher.store.merged(key, snapshot(registry[_COLLECTORS]))


# -- the view and the request counter ------------------------------------------


def may_scrape(request) -> bool:
    """A scraper on an allowed network, asking directly: the counters
    (orders, revenue) are not for shoppers, nor for anything the proxy tier
    forwards. /health shows its details to the same requests."""
    if "X-Forwarded-For" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.client_addr or "")
    except ValueError:
        return False
    return any(address in network for network in request.registry[_ALLOW])


def metrics(request) -> Response:
    if not may_scrape(request):
        raise HTTPNotFound()
    registry = request.registry[_COLLECTORS]
    publisher: Publisher | None = request.registry.get(_STORE)
    if publisher is None:
        body = generate_latest(registry)
    else:
        merged = CollectorRegistry(auto_describe=False)
        merged.register(MergedCollector(server_totals(request.registry)))
        body = generate_latest(merged)
    response = Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.cache_control = "no-store"
    return response


def count_response(event: NewResponse) -> None:
    request = event.request
    registry = request.registry
    route = getattr(request, "matched_route", None)
    registry[_REQUESTS].labels(
        route.name if route is not None else "-",
        f"{event.response.status_code // 100}xx",
    ).inc()
    publisher = registry.get(_STORE)
    if publisher is not None:
        publisher.ensure_started()


def includeme(config: Configurator) -> None:
    config.registry[_COLLECTORS] = CollectorRegistry(auto_describe=True)
    config.add_directive("add_metrics_collector", add_metrics_collector)
    config.registry[_ALLOW] = setting_value(
        config.get_settings(), "emporium.metrics.allow"
    )
    directory = setting_value(config.get_settings(), "emporium.metrics.dir")
    if directory:
        config.registry[_STORE] = Publisher(
            MetricsStore(directory), config.registry[_COLLECTORS]
        )
    config.registry[_REQUESTS] = counter(
        config.registry,
        "emporium_requests",
        "Requests answered, by route and status class",
        ("route", "status"),
    )
    config.add_subscriber(count_response, NewResponse)
    config.add_route("metrics", "/metrics")
    config.add_view(metrics, route_name="metrics", request_method="GET")
