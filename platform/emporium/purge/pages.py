"""Purge the pages that showed changed data, once the change is committed:
the proxy tier's channel of ``emporium.aftercommit``.

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

import logging
from collections.abc import Iterable

from pyramid.config import Configurator
from sqlalchemy.orm import Session

from emporium import aftercommit
from emporium.interfaces import IPurger, PurgeResult
from emporium.settings import setting_value

log = logging.getLogger(__name__)

CHANNEL = "purge"
ACTOR = "system"


def register_purge_keys(
    config: Configurator, model: type, keys: aftercommit.KeysFunction
) -> None:
    """Directive: when an instance of ``model`` (or a subclass) is added,
    changed or deleted, ``keys(instance, registry)`` names the surrogate
    keys of the pages it makes wrong (attribute history is still there)."""
    registry = config.registry

    def register() -> None:
        aftercommit.get_channel(registry, CHANNEL).keys.append((model, keys))

    config.action(None, register)


def register_purge_check(
    config: Configurator, check: aftercommit.CheckFunction
) -> None:
    """Directive: ``check(session, registry)`` runs before each commit of a
    watched session and returns more keys to purge."""
    registry = config.registry

    def register() -> None:
        aftercommit.get_channel(registry, CHANNEL).checks.append(check)

    config.action(None, register)


def purge_after_commit(
    dbsession: Session, keys: Iterable[str], actor: str | None = None
) -> None:
    """Purge the pages tagged with ``keys`` when ``dbsession`` commits (never
    if it rolls back), together with what its flushes changed: one purge per
    commit. ``actor`` names who asked, in the audit log. The session must be
    watched (request sessions are)."""
    aftercommit.after_commit(dbsession, CHANNEL, keys, actor)


def purge(
    registry, keys: Iterable[str], actor: str | None = ACTOR
) -> list[PurgeResult]:
    """Purge ``keys`` now through the ``IPurger`` utility."""
    keys = sorted(set(keys))
    if not keys:
        return []
    try:
        return registry.getUtility(IPurger).purge_keys(keys, actor or ACTOR)
    except Exception:
        # The change is committed; a failed purge must not turn it into an
        # error page. The pages expire by their TTL.
        log.exception("PURGE FAILED for %s: pages expire by their TTL", keys)
        return []


def includeme(config: Configurator) -> None:
    registry = config.registry
    delay = setting_value(config.get_settings(), "emporium.purge.repeat_after")
    repeater = None
    if delay:
        # Another app server hears of a change through Redis, a moment after
        # the commit; a request it served in that moment may have put the old
        # page back in the proxy. The second purge takes it out.
        repeater = aftercommit.Repeater(
            lambda keys, actor: purge(registry, keys, f"{actor} (again)"),
            delay,
            name="purge-repeat",
        )

    def purge_and_repeat(registry, keys: list[str], actor: str | None) -> None:
        purge(registry, keys, actor)
        if repeater is not None:
            repeater.later(keys, actor or ACTOR)

    aftercommit.add_channel(registry, CHANNEL, purge_and_repeat)
    config.add_directive("register_purge_keys", register_purge_keys)
    config.add_directive("register_purge_check", register_purge_check)
