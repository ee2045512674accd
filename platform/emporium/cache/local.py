"""Tier 2: a store on the host's disk, shared by every worker process of the
host, that survives ``kill -9`` of any of them.

LMDB is the engine (``emporium.lmdb``); SQLite in WAL mode
(``emporium.sqlite``) is kept beside it as the measured alternative (see
``bench/cache.py`` and docs/caching.md). Both are caches, not records: a store that
cannot be opened is moved aside, with a warning, and rebuilt empty.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import lmdb
from dogpile.cache.api import NO_VALUE, CacheBackend, CachedValue
from zope.interface import implementer

from emporium.cache.entries import decode, encode
from emporium.cache.interfaces import ICacheTier

log = logging.getLogger(__name__)

DEFAULT_MAP_SIZE = 1 << 30  # 1 GiB of address space; the file grows as used.
# A slot per read at once, of every thread of every process of the host.
DEFAULT_MAX_READERS = 1024

# path -> the environment this process opened there.
_open_environments: dict[str, lmdb.Environment] = {}
# The number of the host's last invalidation (HostBus).
INVALIDATIONS = b"~invalidated"
# LMDB refuses keys past 511 bytes; a longer one (a key built from a path
# or a query a client chose) is stored under its digest instead of raising.
MAX_KEY_BYTES = 400


def _store_key(key: str) -> bytes:
    raw = key.encode("utf-8", "surrogatepass")
    if len(raw) <= MAX_KEY_BYTES:
        return raw
    return b"#sha256:" + hashlib.sha256(raw).hexdigest().encode()


@contextmanager
def _host_lock(path: str) -> Iterator[None]:
    """Serialize open-or-repair between the processes of the host."""
    fd = os.open(path + ".lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def move_aside(path: str, reason: object) -> str:
    """Rename a store that cannot be opened, so that it is rebuilt empty."""
    target = f"{path}.broken-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    os.replace(path, target)
    log.warning(
        "cache store %s cannot be opened (%s): moved aside to %s, starting empty",
        path,
        reason,
        target,
    )
    return target


class _ForkAware:
    """Drop a handle opened before ``fork()``: a child opens its own."""

    _instances: weakref.WeakSet = weakref.WeakSet()

    def __init__(self) -> None:
        _ForkAware._instances.add(self)

    def _forget(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    @classmethod
    def _after_fork(cls) -> None:
        _open_environments.clear()
        for instance in list(cls._instances):
            instance._forget()


os.register_at_fork(after_in_child=_ForkAware._after_fork)


@implementer(ICacheTier)
class LmdbBackend(_ForkAware, CacheBackend):
    """``cache.local.backend = emporium.lmdb``.

    Arguments: ``path`` (a folder; put it on tmpfs such as ``/run`` and a host
    reboot starts it empty), ``map_size`` (bytes; when the store is full it is
    emptied and filled again), ``max_readers``.

    The store never fails a request: the reader slots of killed processes
    are freed when it is opened and when the reader table is full, a full
    store is emptied, and what it still cannot do is done without (a miss,
    or a write left out), counted in ``skipped``.
    """

    name = "local"
    shared = False

    def __init__(self, arguments: Mapping) -> None:
        super().__init__()
        self.path = os.path.abspath(arguments["path"])
        self.map_size = int(arguments.get("map_size", DEFAULT_MAP_SIZE))
        self.max_readers = int(arguments.get("max_readers", DEFAULT_MAX_READERS))
        self._env: lmdb.Environment | None = None
        self._open_lock = threading.Lock()
        self.emptied = 0  # times this process found the store full
        self.skipped = 0  # reads and writes done without the store

    # -- opening, repairing --------------------------------------------------

    def _forget(self) -> None:
        self._env = None
        self._open_lock = threading.Lock()

    @property
    def env(self) -> lmdb.Environment:
        env = self._env
        if env is None:
            with self._open_lock:
                if self._env is None:
                    self._env = self._open()
                env = self._env
        return env

    def _open(self) -> lmdb.Environment:
        # LMDB allows one handle per store and process: backends of several
        # apps in one process (tests, commands) share it.
        env = _open_environments.get(self.path)
        if env is not None:
            return env
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        with _host_lock(self.path):
            try:
                env = self._open_checked()
            except lmdb.ReadersFullError:
                raise  # the store is sound: live readers hold every slot
            except (lmdb.Error, OSError) as exc:
                if os.path.exists(self.path):
                    move_aside(self.path, f"{type(exc).__name__}: {exc}")
                env = self._open_checked()
        _open_environments[self.path] = env
        return env

    def _open_checked(self) -> lmdb.Environment:
        env = lmdb.open(
            self.path,
            map_size=self.map_size,
            max_readers=self.max_readers,
            # A process crash cannot tear a committed transaction: the pages
            # are the kernel's. Skipping fsync only risks the last writes on
            # a host crash, and this is a cache (keep it on tmpfs).
            sync=False,
            metasync=False,
            readahead=False,
            max_dbs=0,
        )
        try:
            # Free the reader slots of killed processes, then read something.
            env.reader_check()
            with env.begin() as txn:
                cursor = txn.cursor()
                if cursor.first():
                    cursor.value()
        except lmdb.Error:
            env.close()
            raise
        return env

    def close(self) -> None:
        """Close the store for every backend of this process that uses it."""
        with self._open_lock:
            env = _open_environments.pop(self.path, None) or self._env
            if env is not None:
                env.close()
            self._env = None

    # -- the dogpile backend API ---------------------------------------------

    def get(self, key):
        return self.get_multi((key,))[0]

    def get_multi(self, keys: Sequence[str]) -> list:
        def read(env: lmdb.Environment) -> list:
            with env.begin(buffers=True) as txn:
                get = txn.get
                return [
                    decode(bytes(raw) if raw is not None else None)
                    for raw in map(get, map(_store_key, keys))
                ]

        try:
            return self.using(read)
        except lmdb.Error as exc:
            self.skip("read", exc)
            return [NO_VALUE] * len(keys)

    def using(self, work: Callable[[lmdb.Environment], object]):
        """``work(env)``, once more after freeing the reader slots of killed
        processes if the reader table was full."""
        try:
            return work(self.env)
        except lmdb.ReadersFullError:
            self.env.reader_check()
            return work(self.env)

    def with_room(self, work: Callable[[lmdb.Environment], object]):
        """``work(env)``, a write: on a full store once more after freeing
        the snapshots killed readers held (their pages could not be reused),
        then once more after emptying it (``work`` must then still make
        sense on an empty store)."""
        try:
            return self.using(work)
        except lmdb.MapFullError:
            pass
        if self.env.reader_check():
            try:
                return self.using(work)
            except lmdb.MapFullError:
                pass
        self.empty_when_full()
        return self.using(work)

    def skip(self, what: str, exc: Exception) -> None:
        """Do without the store this time, and count it."""
        self.skipped += 1
        log.warning(
            "cache store %s: %s skipped (%s: %s)",
            self.path,
            what,
            type(exc).__name__,
            exc,
        )

    def set(self, key, value) -> None:
        self.set_multi({key: value})

    def set_multi(self, mapping: Mapping[str, CachedValue]) -> None:
        items = [(_store_key(key), encode(entry)) for key, entry in mapping.items()]
        try:
            self.with_room(lambda env: self._write(env, items))
        except lmdb.Error as exc:
            self.skip("a write", exc)

    def empty_when_full(self) -> None:
        """Empty the store that refused a write for want of room (a deletion
        needs room too: LMDB copies the pages it changes), and count it."""
        log.info("cache store %s is full: emptying it", self.path)
        self.emptied += 1

        def sequence(env: lmdb.Environment) -> int:
            with env.begin() as txn:
                return int(txn.get(INVALIDATIONS) or 0)

        number = self.using(sequence) + HostBus.KEEP
        self.using(lambda env: self.clear())
        # Pages freed by a transaction are reused from the one after the
        # next: commit a small one between. It carries the invalidation
        # log's number on, past what the log keeps, so that every process
        # of the host forgets what it holds (see HostBus.poll).
        self.using(lambda env: self._write(env, [(INVALIDATIONS, b"%d" % number)]))

    @staticmethod
    def _write(env: lmdb.Environment, items) -> None:
        with env.begin(write=True) as txn:
            for key, raw in items:
                txn.put(key, raw)

    def delete(self, key) -> None:
        self.delete_multi((key,))

    def delete_multi(self, keys: Sequence[str]) -> None:
        def delete(env: lmdb.Environment) -> None:
            with env.begin(write=True) as txn:
                for key in keys:
                    txn.delete(_store_key(key))

        try:
            # Emptied, the store holds these keys no more either.
            self.with_room(delete)
        except lmdb.Error as exc:
            self.skip("a deletion", exc)

    def clear(self) -> None:
        env = self.env
        with env.begin(write=True) as txn:
            txn.drop(env.open_db(txn=txn), delete=False)

    def __len__(self) -> int:
        return self.env.stat()["entries"]


class HostBus:
    """Invalidation between the worker processes of one host, without Redis:
    a log of invalidated keys in the host's LMDB store.

    ``publish`` appends the keys under the next sequence number; every
    process reads the sequence number before it reads the cache (one LMDB
    read) and, when it moved, drops the logged keys from its memory tier. A
    process that fell further behind than the log keeps, or that sees the
    store emptied, empties its memory tier.
    """

    KEEP = 1_000
    _SEQUENCE = INVALIDATIONS

    def __init__(self, store: LmdbBackend, interval: float = 0.05) -> None:
        self.store = store
        self.interval = interval
        self._seen: int | None = None
        self._pid = 0
        self._next_poll = 0.0

    @staticmethod
    def _entry(number: int) -> bytes:
        return b"~invalidated:%016d" % number

    def _sequence(self, txn) -> int:
        raw = txn.get(self._SEQUENCE)
        return int(raw) if raw else 0

    def publish(self, keys: Sequence[str]) -> None:
        try:
            # Emptied, the log starts again: every process that sees the
            # sequence number go back empties its memory tier.
            self.store.with_room(lambda env: self._publish(keys))
        except lmdb.Error as exc:
            self.store.skip("an invalidation's announcement", exc)

    def _publish(self, keys: Sequence[str]) -> None:
        with self.store.env.begin(write=True) as txn:
            number = self._sequence(txn) + 1
            txn.put(self._entry(number), json.dumps(list(keys)).encode())
            txn.put(self._SEQUENCE, str(number).encode())
            txn.delete(self._entry(number - self.KEEP))
        if self._seen == number - 1:
            self._seen = number  # our own deletions are done already

    def poll(
        self, forget: Callable[[list[str]], None], forget_all, force: bool = False
    ) -> None:
        """Apply what other processes invalidated since the last poll (at
        most every ``interval`` seconds, unless ``force``: a page reads the
        cache many times, and each request begins with a forced poll)."""
        now = time.monotonic()
        if now < self._next_poll and not force:
            return
        self._next_poll = now + self.interval
        if self._pid != os.getpid():
            self._pid, self._seen = os.getpid(), None
        try:
            number, keys = self.store.using(self._read_log)
        except lmdb.Error as exc:
            # Whatever was invalidated cannot be read: forget everything.
            self.store.skip("reading the invalidations", exc)
            forget_all()
            return
        if keys is None:
            forget_all()  # emptied store, or too far behind
        elif keys:
            forget(keys)
        self._seen = number

    def _read_log(self, env: lmdb.Environment) -> tuple[int, list[str] | None]:
        """The log's number, and the keys logged since the last poll (None:
        more than the log holds)."""
        with env.begin() as txn:
            number = self._sequence(txn)
            seen = self._seen
            if seen is None or number == seen:
                return number, []
            if number < seen or number - seen > self.KEEP - 1:
                return number, None
            keys: list[str] = []
            for entry in range(seen + 1, number + 1):
                raw = txn.get(self._entry(entry))
                if raw is None:
                    return number, None
                keys.extend(json.loads(raw))
            return number, keys

    def start(self, *args) -> None:
        pass

    def stop(self) -> None:
        pass


@implementer(ICacheTier)
class SqliteBackend(_ForkAware, CacheBackend):
    """``cache.local.backend = emporium.sqlite``: the same tier on SQLite in
    WAL mode. Arguments: ``path`` (a file)."""

    name = "local"
    shared = False

    def __init__(self, arguments: Mapping) -> None:
        super().__init__()
        self.path = os.path.abspath(arguments["path"])
        self._local = threading.local()
        self._generation = 0

    def _forget(self) -> None:
        self._local = threading.local()

    @property
    def db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            with _host_lock(self.path):
                try:
                    connection = self._connect()
                except sqlite3.DatabaseError as exc:
                    for suffix in ("-wal", "-shm"):
                        if os.path.exists(self.path + suffix):
                            os.remove(self.path + suffix)
                    move_aside(self.path, exc)
                    connection = self._connect()
            self._local.connection = connection
        return connection

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS entries "
                "(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID"
            )
            connection.execute("SELECT count(*) FROM entries WHERE key = ''")
        except sqlite3.DatabaseError:
            connection.close()
            raise
        return connection

    def get(self, key):
        return self.get_multi((key,))[0]

    def get_multi(self, keys: Sequence[str]) -> list:
        execute = self.db.execute
        found = []
        for key in keys:
            row = execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
            found.append(decode(row[0]) if row else NO_VALUE)
        return found

    def set(self, key, value) -> None:
        self.set_multi({key: value})

    def set_multi(self, mapping: Mapping[str, CachedValue]) -> None:
        db = self.db
        with db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)",
                [(key, encode(entry)) for key, entry in mapping.items()],
            )

    def delete(self, key) -> None:
        self.delete_multi((key,))

    def delete_multi(self, keys: Sequence[str]) -> None:
        db = self.db
        with db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("DELETE FROM entries WHERE key = ?", [(k,) for k in keys])

    def clear(self) -> None:
        self.db.execute("DELETE FROM entries")

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
