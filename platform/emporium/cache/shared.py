"""Tier 3: Redis, shared by every app server; and the Redis channel that
carries invalidations to every process.

A Redis that does not answer is a miss, never an error page: the tier is
skipped for ``retry_after`` seconds, then tried again.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress

import redis
from dogpile.cache.api import NO_VALUE, CacheBackend, CachedValue
from zope.interface import implementer

from emporium.cache.entries import deadline, decode, encode
from emporium.cache.interfaces import ICacheTier

log = logging.getLogger(__name__)


@implementer(ICacheTier)
class RedisBackend(CacheBackend):
    """``cache.redis.backend = emporium.redis``.

    Arguments: ``url``, ``prefix`` (namespace of every key), ``socket_timeout``
    (seconds), ``retry_after`` (seconds the tier is skipped after a failure).

    ``skipped`` counts the reads and writes that did without Redis (failed,
    or skipped while it was failing). Deletions that could not be made are
    remembered (up to ``UNDELETED_LIMIT`` keys; past it, every key of the
    prefix) and made when Redis answers again, so that a Redis that was
    unreachable rather than restarted serves nothing invalidated meanwhile.
    """

    UNDELETED_LIMIT = 10_000

    name = "redis"
    shared = True

    def __init__(self, arguments: Mapping) -> None:
        self.url = arguments["url"]
        self.prefix = arguments.get("prefix", "emporium:")
        self.timeout = float(arguments.get("socket_timeout", 0.25))
        self.retry_after = float(arguments.get("retry_after", 5))
        self.client = redis.Redis.from_url(
            self.url,
            socket_timeout=self.timeout,
            socket_connect_timeout=self.timeout,
            health_check_interval=30,
        )
        self._down_until = 0.0
        self.skipped = 0
        self._undeleted: set[str] = set()
        self._undeleted_overflow = False
        self._undeleted_lock = threading.Lock()

    def _available(self) -> bool:
        if time.monotonic() < self._down_until:
            return False
        if self._undeleted or self._undeleted_overflow:
            return self._delete_what_was_missed()
        return True

    def _delete_what_was_missed(self) -> bool:
        with self._undeleted_lock:
            keys, overflow = self._undeleted, self._undeleted_overflow
            self._undeleted, self._undeleted_overflow = set(), False
        try:
            if overflow:
                self.clear(raising=True)
            elif keys:
                self.client.delete(*keys)
        except redis.RedisError as exc:
            self._remember_undeleted(keys, overflow)
            self._failed(exc)
            return False
        log.warning("cache tier redis answers again: %d missed deletions made",
                    len(keys))  # fmt: skip
        return True

    def _failed(self, exc: Exception) -> None:
        if time.monotonic() >= self._down_until:
            log.warning(
                "cache tier redis (%s) failed: %s; skipping it for %s s",
                self.url,
                exc,
                self.retry_after,
            )
        self._down_until = time.monotonic() + self.retry_after

    def get(self, key):
        return self.get_multi((key,))[0]

    def get_multi(self, keys: Sequence[str]) -> list:
        if not keys:
            return []
        if not self._available():
            self.skipped += 1
            return [NO_VALUE] * len(keys)
        try:
            raws = self.client.mget([self.prefix + key for key in keys])
        except redis.RedisError as exc:
            self._failed(exc)
            self.skipped += 1
            return [NO_VALUE] * len(keys)
        return [decode(raw) for raw in raws]

    def set(self, key, value) -> None:
        self.set_multi({key: value})

    def set_multi(self, mapping: Mapping[str, CachedValue]) -> None:
        if not mapping:
            return
        if not self._available():
            self.skipped += 1
            return
        now = time.time()
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for key, entry in mapping.items():
                    ttl_ms = int((deadline(entry) - now) * 1000)
                    if ttl_ms > 0:
                        pipe.set(self.prefix + key, encode(entry), px=ttl_ms)
                pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)
            self.skipped += 1

    def delete(self, key) -> None:
        self.delete_multi((key,))

    def delete_multi(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        names = [self.prefix + key for key in keys]
        if self._available():
            try:
                self.client.delete(*names)
                return
            except redis.RedisError as exc:
                self._failed(exc)
        # Deletions matter more than reads: made when Redis is back.
        self.skipped += 1
        self._remember_undeleted(names)

    def _remember_undeleted(self, names, overflow: bool = False) -> None:
        with self._undeleted_lock:
            self._undeleted.update(names)
            if overflow or len(self._undeleted) > self.UNDELETED_LIMIT:
                self._undeleted, self._undeleted_overflow = set(), True

    def clear(self, raising: bool = False) -> None:
        try:
            for key in self.client.scan_iter(match=self.prefix + "*", count=1000):
                self.client.delete(key)
        except redis.RedisError as exc:
            if raising:
                raise
            self._failed(exc)

    def close(self) -> None:
        self.client.close()

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False


class LocalBus:
    """Invalidation in one process (the embedded default): there is nobody
    else to tell."""

    def publish(self, keys: Sequence[str]) -> None:
        pass

    def start(self, handler: Callable[[list[str]], None]) -> None:
        pass

    def stop(self) -> None:
        pass


class RedisBus:
    """Invalidation messages on a Redis channel, heard by a thread in every
    process. A process that lost the channel for a while cannot know what it
    missed, so it empties its memory tier when it hears the channel again."""

    def __init__(self, url: str, channel: str) -> None:
        self.url = url
        self.channel = channel
        self.origin = uuid.uuid4().hex
        self.client = redis.Redis.from_url(
            url, socket_timeout=1, socket_connect_timeout=1
        )
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stopping = threading.Event()
        self._handler: Callable[[list[str]], None] | None = None
        self._on_reconnect: Callable[[], None] | None = None
        self.ready = threading.Event()

    def publish(self, keys: Sequence[str]) -> bool:
        """Announce ``keys``; False when Redis could not be told."""
        message = json.dumps({"origin": self.origin, "keys": list(keys)})
        try:
            self.client.publish(self.channel, message)
        except redis.RedisError as exc:
            log.warning(
                "could not announce the invalidation of %d keys: %s", len(keys), exc
            )
            return False
        return True

    def start(
        self,
        handler: Callable[[list[str]], None],
        on_reconnect: Callable[[], None] | None = None,
    ) -> None:
        """Listen in a daemon thread of this process (once per process: a
        forked worker starts its own)."""
        if self._pid == os.getpid() and self._thread is not None:
            return
        self._pid = os.getpid()
        self.origin = uuid.uuid4().hex
        self._handler = handler
        self._on_reconnect = on_reconnect
        self._stopping.clear()
        self.ready = threading.Event()
        self._thread = threading.Thread(
            target=self._listen, name="cache-invalidation", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            thread.join(timeout=3)
        self._thread = None
        self.client.close()

    def _listen(self) -> None:
        connected_before = False
        while not self._stopping.is_set():
            pubsub = client = None
            try:
                client = redis.Redis.from_url(
                    self.url, socket_connect_timeout=1, socket_timeout=None
                )
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                if connected_before and self._on_reconnect is not None:
                    self._on_reconnect()
                connected_before = True
                self.ready.set()
                while not self._stopping.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._receive(message["data"])
            except redis.RedisError as exc:
                self.ready.clear()
                log.warning("cache invalidation channel lost (%s): reconnecting", exc)
                self._stopping.wait(1.0)
            finally:
                if pubsub is not None:
                    with suppress(redis.RedisError):
                        pubsub.close()
                if client is not None:
                    client.close()

    def _receive(self, data: bytes) -> None:
        try:
            message = json.loads(data)
            keys = [str(key) for key in message["keys"]]
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed cache invalidation message")
            return
        if message.get("origin") == self.origin or self._handler is None:
            return
        try:
            self._handler(keys)
        except Exception:
            log.exception("cache invalidation of %d keys failed", len(keys))


class HostFallbackBus:
    """The Redis channel, and the host's log (``HostBus``) for what Redis
    could not be told: while Redis is gone, invalidations still reach every
    worker of the host (other hosts' workers forget everything when they
    hear the channel again)."""

    def __init__(self, channel: RedisBus, host) -> None:
        self.channel = channel
        self.host = host

    @property
    def ready(self) -> threading.Event:
        return self.channel.ready

    def publish(self, keys: Sequence[str]) -> None:
        if not self.channel.publish(keys):
            self.host.publish(keys)

    def poll(self, forget, forget_all, force: bool = False) -> None:
        self.host.poll(forget, forget_all, force)

    def start(self, handler, on_reconnect=None) -> None:
        self.channel.start(handler, on_reconnect)

    def stop(self) -> None:
        self.channel.stop()
