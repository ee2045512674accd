"""What every process-wide service reading through the object cache has:
the cache, the application's registry and a way to its database."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from emporium.cache.interfaces import IObjectCache


class CachedReads:
    """The base of a service that reads through the object cache, one
    instance per application (the product catalog, the content pages).

    What the cache misses is read in a short session of its own from
    ``dbsession_factory``, never the request's: only committed data is
    cached, never a change the request has flushed but may yet roll back."""

    def __init__(
        self, cache: IObjectCache, registry, dbsession_factory: Callable[[], Session]
    ) -> None:
        self.cache = cache
        self.registry = registry
        self.dbsession_factory = dbsession_factory

    @classmethod
    def of(cls, registry):
        """The service of the application whose registry is ``registry``:
        its object cache and its database."""
        return cls(
            registry.getUtility(IObjectCache), registry, registry["dbsession_factory"]
        )
