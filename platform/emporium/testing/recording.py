"""A purger that records what the application asks to purge."""

from __future__ import annotations

from zope.interface import implementer

from emporium.interfaces import IPurger


@implementer(IPurger)
class RecordingPurger:
    """Wraps the application's ``IPurger``: every call still goes to it
    (audited, sent to any proxy) and is recorded in ``urls``, ``keys`` and
    ``prefixes``, in order."""

    def __init__(self, purger) -> None:
        self.purger = purger
        self.urls: list[str] = []
        self.keys: list[str] = []
        self.prefixes: list[str] = []

    @classmethod
    def install(cls, registry) -> RecordingPurger:
        """The registry's recording purger, put in place on first use."""
        current = registry.getUtility(IPurger)
        if isinstance(current, cls):
            return current
        recording = cls(current)
        registry.registerUtility(recording, IPurger)
        return recording

    def clear(self) -> None:
        self.urls.clear()
        self.keys.clear()
        self.prefixes.clear()

    def purge_urls(self, urls, actor):
        urls = list(urls)
        self.urls.extend(urls)
        return self.purger.purge_urls(urls, actor)

    def purge_keys(self, keys, actor):
        keys = list(keys)
        self.keys.extend(keys)
        return self.purger.purge_keys(keys, actor)

    def purge_prefix(self, prefix, actor):
        self.prefixes.append(prefix)
        return self.purger.purge_prefix(prefix, actor)
