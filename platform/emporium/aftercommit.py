"""Work done once a transaction commits, and never for one that rolls back
(docs/architecture.md, "How to do work after commit").

Each kind of work is a *channel*: the object cache's invalidation
(``emporium.cache.invalidation``) and the proxy tier's purge
(``emporium.purge``). Keys are collected when a watched session flushes,
from the functions registered for each model, and just before it commits,
from the channel's checks (for changes made without the ORM); code may add
keys itself with :func:`after_commit`. After the commit each channel's keys
go to its action in one call, channels in the order they were added. (The
way Warehouse purges its origin cache.)

:class:`Repeater` does work once more a moment later, off the response path.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pyramid.config import Configurator
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

KeysFunction = Callable[[object, object], Iterable[str]]
CheckFunction = Callable[[Session, object], Iterable[str]]
# action(registry, keys, actor): actor names who asked, or is None.
Action = Callable[[object, list[str], "str | None"], None]

_CHANNELS = f"{__name__}.channels"
# In a watched session's ``info``:
_REGISTRY = f"{__name__}.registry"
_PENDING = f"{__name__}.pending"
_ACTOR = f"{__name__}.actor"


@dataclass
class Channel:
    name: str
    action: Action
    keys: list[tuple[type, KeysFunction]] = field(default_factory=list)
    checks: list[CheckFunction] = field(default_factory=list)


def add_channel(registry, name: str, action: Action) -> Channel:
    """A channel whose keys go to ``action`` after each commit."""
    channel = Channel(name, action)
    registry.setdefault(_CHANNELS, {})[name] = channel
    return channel


def get_channel(registry, name: str) -> Channel:
    return registry[_CHANNELS][name]


def after_commit(
    dbsession: Session, name: str, keys: Iterable[str], actor: str | None = None
) -> None:
    """Hand ``keys`` to channel ``name`` when ``dbsession`` commits (never if
    it rolls back), with what its flushes collected: one call per commit.
    ``actor`` names who asked. The session must be watched (request sessions
    are)."""
    dbsession.info.setdefault(_PENDING, {}).setdefault(name, set()).update(keys)
    if actor:
        dbsession.info[_ACTOR] = actor


def pending(dbsession: Session, name: str) -> frozenset[str]:
    """The keys channel ``name`` will act on when ``dbsession`` commits."""
    return frozenset(dbsession.info.get(_PENDING, {}).get(name, ()))


def _after_flush(session: Session, flush_context) -> None:
    registry = session.info.get(_REGISTRY)
    channels = registry.get(_CHANNELS) if registry is not None else None
    if not channels:
        return
    changed = (*session.new, *session.dirty, *session.deleted)
    for each in channels.values():
        if not each.keys:
            continue
        found = session.info.setdefault(_PENDING, {}).setdefault(each.name, set())
        for instance in changed:
            for model, function in each.keys:
                if isinstance(instance, model):
                    found.update(function(instance, registry))


def _before_commit(session: Session) -> None:
    registry = session.info.get(_REGISTRY)
    channels = registry.get(_CHANNELS) if registry is not None else None
    for each in (channels or {}).values():
        for check in each.checks:
            keys = list(check(session, registry))
            if keys:
                after_commit(session, each.name, keys)


def _after_commit(session: Session) -> None:
    found = session.info.pop(_PENDING, None)
    actor = session.info.pop(_ACTOR, None)
    registry = session.info.get(_REGISTRY)
    if not found or registry is None:
        return
    for each in registry.get(_CHANNELS, {}).values():
        keys = found.get(each.name)
        if not keys:
            continue
        try:
            each.action(registry, sorted(keys), actor)
        except Exception:  # noqa: BLE001 - the write is committed: never a 5xx
            log.exception("after commit: %s of %d keys failed", each.name, len(keys))


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_ACTOR, None)


def watch(target: Session | sessionmaker, registry) -> None:
    """Do the channels' work for what ``target`` (a session, or every
    session a factory makes) changes, after each commit."""
    if isinstance(target, sessionmaker):
        target.kw.setdefault("info", {})
        target.kw["info"] = {**target.kw["info"], _REGISTRY: registry}
    else:
        target.info[_REGISTRY] = registry
    if not event.contains(target, "after_flush", _after_flush):
        event.listen(target, "after_flush", _after_flush)
        event.listen(target, "before_commit", _before_commit)
        event.listen(target, "after_commit", _after_commit)
        event.listen(target, "after_rollback", _after_rollback)


class Repeater:
    """Does ``send(keys, actor)`` once more, ``delay`` seconds after
    ``later``, from a thread of its own (started again in a forked process).

    Keys that fall due together go in one call (a slow or absent service
    never builds a queue), and a process that exits sends what it still
    holds. ``send`` failing is logged; the thread goes on.
    """

    def __init__(
        self, send: Callable[[list[str], str], None], delay: float, name: str
    ) -> None:
        self.send = send
        self.delay = delay
        self.name = name
        self._queue: queue.Queue = queue.Queue()
        self._pid = 0
        self._lock = threading.Lock()

    def later(self, keys: Iterable[str], actor: str = "") -> None:
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._queue = queue.Queue()
                threading.Thread(target=self._run, name=self.name, daemon=True).start()
                atexit.register(self.flush)
        self._queue.put((time.monotonic() + self.delay, sorted(keys), actor))

    def _due(self, first) -> tuple[float, set[str], str]:
        """``first`` and everything queued behind it, as one call."""
        due, keys, actor = first
        keys = set(keys)
        while True:
            try:
                later_due, more, _ = self._queue.get_nowait()
            except queue.Empty:
                return due, keys, actor
            due = max(due, later_due)
            keys.update(more)

    def _send(self, keys: set[str], actor: str) -> None:
        try:
            self.send(sorted(keys), actor)
        except Exception:  # noqa: BLE001 - the thread must go on
            log.exception("%s: repeating the work on %d keys", self.name, len(keys))

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            wait = first[0] - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            due, keys, actor = self._due(first)
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._send(keys, actor)

    def flush(self) -> None:
        """Send now, after the delay, whatever is still waiting."""
        try:
            first = self._queue.get_nowait()
        except queue.Empty:
            return
        due, keys, actor = self._due(first)
        wait = min(due - time.monotonic(), self.delay)
        if wait > 0:
            time.sleep(wait)
        self._send(keys, actor)


def includeme(config: Configurator) -> None:
    factory = config.registry.get("dbsession_factory")
    if factory is not None:
        watch(factory, config.registry)
