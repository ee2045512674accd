"""The object cache's contracts: the cache service views and models use, and
the tiers it is built from."""

from zope.interface import Attribute, Interface


class IObjectCache(Interface):
    """A multi-tier object cache of JSON-friendly values under string keys.

    A key reads ``<partition>:<identity>`` (``core:42``, ``pricing:42``): the
    partition chooses the time-to-live and labels the hit and miss counters.
    Values handed out are shared between requests and must not be mutated.
    """

    def get(key, creator=None):
        """Return the value cached under ``key``.

        On a miss, ``creator(key)`` makes the value, which is cached and
        returned; while one thread of this process makes it, others asking for
        the same key wait for it (the dogpile lock). Without a creator a miss
        returns ``NO_VALUE``. A creator may return ``None`` for "does not
        exist": that is cached too, for the short ``missing`` time-to-live.
        """

    def get_many(keys, creator=None):
        """Return the values of ``keys``, in order.

        The misses are made by one call, ``creator(missing_keys)``, which
        returns their values in the same order; each missing key is locked
        as in ``get``. Without a creator, misses are ``NO_VALUE``.
        """

    def set_many(mapping):
        """Store every ``key: value`` of ``mapping`` in every tier."""

    def invalidate(keys):
        """Delete ``keys`` from every tier of this process and tell every
        other process (the other workers and app servers) to do the same.

        Call it after the change that makes the values wrong is committed;
        ``emporium.cache.invalidation`` does so for flushed models.
        """

    def catch_up():
        """Apply at once what other processes have invalidated (reads do so
        at most every few milliseconds); every request begins with it, so a
        request that arrives after a change was committed (and its pages
        purged) never reads the old values from this process's memory."""

    def ttl(partition, missing=False):
        """Return the time-to-live, in seconds, of a partition's values (or
        of its "does not exist" markers when ``missing``)."""

    def stats():
        """Return hits and misses per tier and per partition, as a dict."""


class ICacheTier(Interface):
    """One tier: a ``dogpile.cache`` backend storing ``CachedValue`` entries.

    Every entry's metadata carries ``x``, its deadline (epoch seconds); the
    tiers keep it with the value so that an entry filled up from a lower tier
    keeps its original deadline.
    """

    name = Attribute("The tier's name in settings and counters: memory, local, redis.")
    shared = Attribute(
        "True when every app server sees the same store (Redis): invalidation "
        "messages from other servers need not delete from it again."
    )

    def get_multi(keys):
        """Return the entries of ``keys`` in order, ``NO_VALUE`` when absent."""

    def set_multi(mapping):
        """Store ``key: CachedValue`` pairs."""

    def delete_multi(keys):
        """Delete ``keys``; absent keys are ignored."""

    def clear():
        """Delete every entry of this tier."""
