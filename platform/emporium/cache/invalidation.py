"""Invalidation after commit: the object cache's channel of
``emporium.aftercommit``.

The keys a change makes wrong are collected when the session flushes (from
the functions registered for each model with ``config.register_cache_keys``)
and invalidated in every tier of every process once the transaction commits;
a rolled-back transaction invalidates nothing.

Code that changes data without the ORM (a bulk import, raw SQL) says what
changed with :func:`invalidate_after_commit` or, outside any transaction,
:func:`invalidate`.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyramid.config import Configurator
from sqlalchemy.orm import Session

from emporium import aftercommit
from emporium.cache.interfaces import IObjectCache

CHANNEL = "cache"


class CacheKeysInvalidated:
    """Event: ``keys`` were invalidated after a commit (notified in the
    process that committed)."""

    def __init__(self, keys: list[str], registry) -> None:
        self.keys = keys
        self.registry = registry


def register_cache_keys(
    config: Configurator, model: type, keys: aftercommit.KeysFunction
) -> None:
    """Directive: when an instance of ``model`` (or a subclass) is added,
    changed or deleted, ``keys(instance, registry)`` names the cache keys it
    makes wrong. At flush time attribute history is still there, so a
    function can name the keys of old values too."""
    registry = config.registry

    def register() -> None:
        aftercommit.get_channel(registry, CHANNEL).keys.append((model, keys))

    config.action(None, register)


def invalidate(registry, keys: Iterable[str], actor: str | None = None) -> None:
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
    aftercommit.after_commit(dbsession, CHANNEL, keys)


def pending_invalidations(dbsession: Session) -> frozenset[str]:
    """The keys ``dbsession``'s commit will invalidate, as things stand."""
    return aftercommit.pending(dbsession, CHANNEL)


def includeme(config: Configurator) -> None:
    aftercommit.add_channel(config.registry, CHANNEL, invalidate)
    config.add_directive("register_cache_keys", register_cache_keys)
