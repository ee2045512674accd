"""Tier 1: this process's memory, a bounded least-recently-used mapping.

Entries are kept as they are, unserialized: a hit costs a dict lookup. The
values are shared by every request of the process and must not be mutated.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence

from dogpile.cache.api import NO_VALUE, CacheBackend, CachedValue
from zope.interface import implementer

from emporium.cache.interfaces import ICacheTier

DEFAULT_MAX_ITEMS = 50_000


@implementer(ICacheTier)
class MemoryBackend(CacheBackend):
    """``cache.memory.backend = emporium.memory``.

    Arguments: ``max_items``, the most entries kept; the least recently used
    go first.
    """

    name = "memory"
    shared = False

    def __init__(self, arguments: Mapping) -> None:
        self.max_items = int(arguments.get("max_items", DEFAULT_MAX_ITEMS))
        if self.max_items < 1:
            raise ValueError("cache.memory.arguments.max_items must be at least 1")
        self._data: OrderedDict[str, CachedValue] = OrderedDict()
        self._write_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key):
        return self.get_multi((key,))[0]

    def get_multi(self, keys: Sequence[str]) -> list:
        data = self._data
        touch = data.move_to_end
        found = []
        for key in keys:
            entry = data.get(key, NO_VALUE)
            if entry is not NO_VALUE:
                # The hot path: try costs nothing, contextlib.suppress does.
                try:  # noqa: SIM105
                    touch(key)
                except KeyError:  # another thread evicted it meanwhile
                    pass
            found.append(entry)
        return found

    def set(self, key, value) -> None:
        self.set_multi({key: value})

    def set_multi(self, mapping: Mapping[str, CachedValue]) -> None:
        data = self._data
        with self._write_lock:
            for key, entry in mapping.items():
                data[key] = entry
                data.move_to_end(key)
            while len(data) > self.max_items:
                data.popitem(last=False)

    def delete(self, key) -> None:
        self.delete_multi((key,))

    def delete_multi(self, keys: Sequence[str]) -> None:
        with self._write_lock:
            for key in keys:
                self._data.pop(key, None)

    def clear(self) -> None:
        with self._write_lock:
            self._data.clear()
