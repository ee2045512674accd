"""Invalidation after commit.

The keys a change makes wrong are collected when the session flushes (from
the functions registered for each model with ``config.register_cache_keys``)
and invalidated in every tier of every process once the transaction commits;
a rolled-back transaction invalidates nothing. (Warehouse does the same for
its origin cache.)

Code that changes data without the ORM (a bulk import, raw SQL) says what
changed with :func:`invalidate_after_commit` or, outside any transaction,
:func:`invalidate`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pyramid.config import Configurator
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from emporium.cache.interfaces import IObjectCache

KeysFunction = Callable[[object, object], Iterable[str]]
_PENDING = "emporium.cache.pending"
_REGISTRY = "emporium.cache.registry"
_KEY_FUNCTIONS = "emporium.cache.key_functions"


class CacheKeysInvalidated:
    """Event: ``keys`` were invalidated after a commit (notified in the
    process that committed)."""

    def __init__(self, keys: list[str], registry) -> None:
        self.keys = keys
        self.registry = registry


def register_cache_keys(config: Configurator, model: type, keys: KeysFunction) -> None:
    """Directive: when an instance of ``model`` (or a subclass) is added,
    changed or deleted, ``keys(instance, registry)`` names the cache keys it
    makes wrong. At flush time attribute history is still there, so a
    function can name the keys of old values too."""

    def register() -> None:
        config.registry.setdefault(_KEY_FUNCTIONS, []).append((model, keys))

    config.action(None, register)


def invalidate(registry, keys: Iterable[str]) -> None:
    """Invalidate ``keys`` now, everywhere. Call it after your commit."""
    keys = sorted(set(keys))
    if not keys:
        return
    registry.getUtility(IObjectCache).invalidate(keys)
    registry.notify(CacheKeysInvalidated(keys, registry))


def invalidate_after_commit(dbsession: Session, keys: Iterable[str]) -> None:
    """Invalidate ``keys`` when ``dbsession``'s transaction commits (and not
    at all if it rolls back). The session must be watched (request sessions
    are)."""
    dbsession.info.setdefault(_PENDING, set()).update(keys)


def keys_for(registry, instance: object) -> set[str]:
    found: set[str] = set()
    for model, function in registry.get(_KEY_FUNCTIONS, ()):
        if isinstance(instance, model):
            found.update(function(instance, registry))
    return found


def _after_flush(session: Session, flush_context) -> None:
    registry = session.info.get(_REGISTRY)
    if registry is None or not registry.get(_KEY_FUNCTIONS):
        return
    pending = session.info.setdefault(_PENDING, set())
    for instance in (*session.new, *session.dirty, *session.deleted):
        pending.update(keys_for(registry, instance))


def _after_commit(session: Session) -> None:
    keys = session.info.pop(_PENDING, None)
    registry = session.info.get(_REGISTRY)
    if keys and registry is not None:
        invalidate(registry, keys)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def watch(target: Session | sessionmaker, registry) -> None:
    """Invalidate what ``target`` (a session, or every session a factory
    makes) changes, after each commit."""
    if isinstance(target, sessionmaker):
        target.kw.setdefault("info", {})
        target.kw["info"] = {**target.kw["info"], _REGISTRY: registry}
    else:
        target.info[_REGISTRY] = registry
    if not event.contains(target, "after_flush", _after_flush):
        event.listen(target, "after_flush", _after_flush)
        event.listen(target, "after_commit", _after_commit)
        event.listen(target, "after_rollback", _after_rollback)


def includeme(config: Configurator) -> None:
    config.add_directive("register_cache_keys", register_cache_keys)
    factory = config.registry.get("dbsession_factory")
    if factory is not None:
        watch(factory, config.registry)
