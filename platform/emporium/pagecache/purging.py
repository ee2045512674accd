"""Purge the pages that showed changed data, once the change is committed.

The surrogate keys a change makes wrong are collected when the session
flushes, from the functions registered per model with
``config.register_purge_keys(Model, function)``, and from the checks
registered with ``config.register_purge_check(function)``, which run just
before the commit (for changes made without the ORM, such as checkout's
stock UPDATE). After the commit they go to the ``IPurger`` in one call; a
rolled-back transaction purges nothing. A purge before the commit would let
a concurrent request cache the old data again; and since other app servers
hear of the change a moment after the commit, each purge is sent once more
``emporium.purge.repeat_after`` seconds later.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable

from pyramid.config import Configurator
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from emporium.errors import ConfigurationError
from emporium.interfaces import IPurger

log = logging.getLogger(__name__)

KeysFunction = Callable[[object, object], Iterable[str]]
CheckFunction = Callable[[Session, object], Iterable[str]]
ACTOR = "system"
_ACTOR = "emporium.pagecache.actor"
_PENDING = "emporium.pagecache.pending"
_REGISTRY = "emporium.pagecache.registry"
_KEY_FUNCTIONS = "emporium.pagecache.key_functions"
_CHECKS = "emporium.pagecache.checks"
_REPEATER = "emporium.pagecache.repeater"
DEFAULT_REPEAT = 1.0


def register_purge_keys(config: Configurator, model: type, keys: KeysFunction) -> None:
    """Directive: when an instance of ``model`` (or a subclass) is added,
    changed or deleted, ``keys(instance, registry)`` names the surrogate
    keys of the pages it makes wrong (attribute history is still there)."""

    def register() -> None:
        config.registry.setdefault(_KEY_FUNCTIONS, []).append((model, keys))

    config.action(None, register)


def register_purge_check(config: Configurator, check: CheckFunction) -> None:
    """Directive: ``check(session, registry)`` runs before each commit of a
    session that has work pending and returns more keys to purge."""

    def register() -> None:
        config.registry.setdefault(_CHECKS, []).append(check)

    config.action(None, register)


def purge_after_commit(
    dbsession: Session, keys: Iterable[str], actor: str | None = None
) -> None:
    """Purge the pages tagged with ``keys`` when ``dbsession`` commits (never
    if it rolls back), together with what its flushes changed: one purge per
    commit. ``actor`` names who asked, in the audit log. The session must be
    watched (request sessions are)."""
    dbsession.info.setdefault(_PENDING, set()).update(keys)
    if actor:
        dbsession.info[_ACTOR] = actor


def purge(registry, keys: Iterable[str], actor: str = ACTOR) -> list:
    """Purge ``keys`` now through the registered ``IPurger``."""
    keys = sorted(set(keys))
    if not keys:
        return []
    purger = registry.getUtility(IPurger)
    try:
        return purger.purge_keys(keys, actor)
    except Exception:
        # The change is committed; a failed purge must not turn it into an
        # error page. The pages expire by their TTL.
        log.exception("PURGE FAILED for %s: pages expire by their TTL", keys)
        return []


def _after_flush(session: Session, flush_context) -> None:
    registry = session.info.get(_REGISTRY)
    functions = registry.get(_KEY_FUNCTIONS) if registry is not None else None
    if not functions:
        return
    pending = session.info.setdefault(_PENDING, set())
    for instance in (*session.new, *session.dirty, *session.deleted):
        for model, function in functions:
            if isinstance(instance, model):
                pending.update(function(instance, registry))


def _before_commit(session: Session) -> None:
    registry = session.info.get(_REGISTRY)
    checks = registry.get(_CHECKS) if registry is not None else None
    if not checks:
        return
    for check in checks:
        keys = list(check(session, registry))
        if keys:
            session.info.setdefault(_PENDING, set()).update(keys)


class PurgeRepeater:
    """Purges the same keys once more, ``delay`` seconds later, from a
    thread of its own (started in each process that uses it).

    Another app server learns of a change through Redis, a moment after the
    commit; a request it served in that moment, after the first purge, may
    have put the old page back in the proxy. The second purge takes it out.
    Purges that fall due together go as one (a slow or absent proxy never
    builds a queue), and a process that exits sends what it still holds.
    """

    def __init__(self, registry, delay: float) -> None:
        self.registry = registry
        self.delay = delay
        self._queue: queue.Queue = queue.Queue()
        self._pid = 0
        self._lock = threading.Lock()

    def later(self, keys: Iterable[str], actor: str) -> None:
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._queue = queue.Queue()
                threading.Thread(
                    target=self._run, name="purge-repeat", daemon=True
                ).start()
                atexit.register(self.flush)
        self._queue.put((time.monotonic() + self.delay, sorted(keys), actor))

    def _due(self, first) -> tuple[float, set[str], str]:
        """``first`` and everything queued behind it, as one purge."""
        due, keys, actor = first
        keys = set(keys)
        while True:
            try:
                later_due, more, _ = self._queue.get_nowait()
            except queue.Empty:
                return due, keys, actor
            due = max(due, later_due)
            keys.update(more)

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
            purge(self.registry, keys, f"{actor} (again)")

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
        purge(self.registry, keys, f"{actor} (again)")


def _after_commit(session: Session) -> None:
    keys = session.info.pop(_PENDING, None)
    actor = session.info.pop(_ACTOR, ACTOR)
    registry = session.info.get(_REGISTRY)
    if keys and registry is not None:
        purge(registry, keys, actor)
        repeater = registry.get(_REPEATER)
        if repeater is not None:
            repeater.later(keys, actor)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_ACTOR, None)


def watch(target: Session | sessionmaker, registry) -> None:
    """Purge what ``target`` (a session, or every session a factory makes)
    changes, after each commit."""
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


def includeme(config: Configurator) -> None:
    config.add_directive("register_purge_keys", register_purge_keys)
    config.add_directive("register_purge_check", register_purge_check)
    raw = config.get_settings().get("emporium.purge.repeat_after", DEFAULT_REPEAT)
    try:
        delay = float(raw)
    except ValueError:
        delay = -1.0
    if not 0 <= delay <= 60:
        raise ConfigurationError(
            f"emporium.purge.repeat_after must be seconds from 0 to 60, not {raw!r}"
        )
    if delay:
        config.registry[_REPEATER] = PurgeRepeater(config.registry, delay)
    factory = config.registry.get("dbsession_factory")
    if factory is not None:
        watch(factory, config.registry)
