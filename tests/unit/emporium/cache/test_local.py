"""Tier 2: LMDB (the engine) and SQLite in WAL mode (the alternative)."""

from __future__ import annotations

import itertools
import logging
import os

import pytest
from dogpile.cache.api import NO_VALUE

from emporium.cache.entries import make_entry
from emporium.cache.local import LmdbBackend, SqliteBackend
from tests.unit.emporium.cache.tiers import TierConformance


@pytest.fixture
def lmdb_tier(tmp_path):
    tier = LmdbBackend({"path": str(tmp_path / "objects"), "map_size": 8 << 20})
    yield tier
    tier.close()


class TestLmdbTier(TierConformance):
    @pytest.fixture
    def tier(self, lmdb_tier):
        return lmdb_tier


class TestSqliteTier(TierConformance):
    @pytest.fixture
    def tier(self, tmp_path):
        tier = SqliteBackend({"path": str(tmp_path / "objects.sqlite")})
        yield tier
        tier.close()


def test_two_handles_in_one_process_share_the_store(tmp_path):
    path = str(tmp_path / "objects")
    first = LmdbBackend({"path": path})
    second = LmdbBackend({"path": path})
    first.set_multi({"core:1": make_entry("one", 60)})
    assert second.get_multi(["core:1"])[0].payload == "one"
    first.close()


def test_a_store_that_cannot_be_opened_is_moved_aside(tmp_path, caplog):
    path = tmp_path / "objects"
    path.mkdir()
    (path / "data.mdb").write_bytes(b"this is not an LMDB file" * 1000)
    tier = LmdbBackend({"path": str(path)})
    with caplog.at_level(logging.WARNING, logger="emporium.cache.local"):
        tier.set_multi({"core:1": make_entry("fresh", 60)})
    assert tier.get_multi(["core:1"])[0].payload == "fresh"
    assert "moved aside" in caplog.text
    aside = [p for p in os.listdir(tmp_path) if p.startswith("objects.broken-")]
    assert len(aside) == 1
    tier.close()


def test_a_broken_sqlite_store_is_moved_aside(tmp_path, caplog):
    path = tmp_path / "objects.sqlite"
    path.write_bytes(b"garbage" * 2000)
    tier = SqliteBackend({"path": str(path)})
    with caplog.at_level(logging.WARNING, logger="emporium.cache.local"):
        tier.set_multi({"core:1": make_entry("fresh", 60)})
    assert tier.get_multi(["core:1"])[0].payload == "fresh"
    assert "moved aside" in caplog.text
    tier.close()


def test_a_full_store_is_emptied_and_filled_again(tmp_path, caplog):
    tier = LmdbBackend({"path": str(tmp_path / "objects"), "map_size": 1 << 20})
    big = "x" * 20_000
    with caplog.at_level(logging.INFO, logger="emporium.cache.local"):
        for i in range(200):
            tier.set_multi({f"core:{i}": make_entry(big, 60)})
    assert "is full" in caplog.text
    assert tier.get_multi(["core:199"])[0].payload == big
    assert tier.get_multi(["core:0"]) == [NO_VALUE]
    tier.close()


def _until_refused(write) -> None:
    """Call ``write`` until LMDB refuses it for want of room: the next
    identical write is refused too."""
    import lmdb

    for number in itertools.count():
        try:
            write(number)
        except lmdb.MapFullError:
            return


def test_a_full_store_still_deletes_and_announces(tmp_path):
    from emporium.cache.local import HostBus

    tier = LmdbBackend({"path": str(tmp_path / "objects"), "map_size": 64 << 10})

    def put(number: int) -> None:
        with tier.env.begin(write=True) as txn:
            txn.put(b"core:%d" % number, b"x" * 100)

    def delete(number: int) -> None:
        with tier.env.begin(write=True) as txn:
            txn.delete(b"core:%d" % number)

    _until_refused(put)
    refused = []
    _until_refused(lambda number: (refused.append(number), delete(number)))
    # LMDB copies the pages it changes: a deletion needs room too.
    tier.delete_multi([f"core:{refused[-1]}"])
    assert tier.emptied == 1
    assert tier.get_multi([f"core:{refused[-1]}"]) == [NO_VALUE]
    tier.set_multi({"core:1": make_entry("again", 60)})
    assert tier.get_multi(["core:1"])[0].payload == "again"

    bus, other = HostBus(tier), HostBus(tier)  # two processes of the host
    forgotten: list = []
    other.poll(forgotten.extend, lambda: forgotten.append("all"), force=True)
    _until_refused(lambda number: bus._publish([f"core:{number}"]))
    bus.publish(["core:1"])
    assert tier.emptied == 2
    other.poll(forgotten.extend, lambda: forgotten.append("all"), force=True)
    assert forgotten == ["all"]  # the log began again: it forgets everything
    tier.close()


def test_unreadable_entries_are_misses(lmdb_tier):
    with lmdb_tier.env.begin(write=True) as txn:
        txn.put(b"core:1", b"\xff\xfe not json")
    assert lmdb_tier.get_multi(["core:1"]) == [NO_VALUE]


def _worker(path: str):
    """A cache as one worker process of the host has it: its own memory, the
    host's store, no Redis."""
    from emporium.cache.services import cache_from_settings

    cache = cache_from_settings(
        {"cache.tiers": "memory local", "cache.local.arguments.path": path}
    )
    cache.bus.interval = 0  # every read polls: no waiting in the test
    return cache


def test_workers_of_a_host_hear_each_others_invalidations(tmp_path):
    from emporium.cache.local import HostBus

    path = str(tmp_path / "objects")
    first, second = _worker(path), _worker(path)
    assert isinstance(first.bus, HostBus)
    second.get("core:0")  # start listening
    first.set_many({"core:1": "old", "core:2": "kept"})
    assert second.get_many(["core:1", "core:2"]) == ["old", "kept"]
    assert second.tiers[0].get_multi(["core:1"])[0].payload == "old"
    first.invalidate(["core:1"])
    assert second.get("core:1") is NO_VALUE
    assert second.get("core:2") == "kept"
    first.close()


def test_catching_up_applies_invalidations_at_once(tmp_path):
    """Reads poll the host's log at most every few milliseconds; a request
    begins with ``catch_up``, so one that arrives just after another worker
    committed (and purged the pages) never reads the old value."""
    path = str(tmp_path / "objects")
    first, second = _worker(path), _worker(path)
    second.bus.interval = 3600  # as if it had just polled
    second.get("core:0")
    first.set_many({"core:1": "old"})
    assert second.get("core:1") == "old"
    first.invalidate(["core:1"])
    first.set_many({"core:1": "new"})
    assert second.get("core:1") == "old"  # within the polling interval
    second.catch_up()
    assert second.get("core:1") == "new"
    first.close()


def test_a_worker_too_far_behind_empties_its_memory(tmp_path):
    from emporium.cache.local import HostBus

    path = str(tmp_path / "objects")
    first, second = _worker(path), _worker(path)
    second.get("core:0")
    second.set_many({"core:9": "mine"})
    for number in range(HostBus.KEEP + 5):
        first.invalidate([f"core:{number + 100}"])
    second.get("core:0")
    assert len(second.tiers[0]) == 0
    first.close()


def test_a_store_that_fails_to_catch_up_does_not_fail_the_request(tmp_path, caplog):
    cache = _worker(str(tmp_path / "objects"))

    def broken(*args, **kwargs):
        raise OSError("the host's store is gone")

    cache._poll = broken
    cache.catch_up()  # no exception: reads go on without the news
    assert "cannot read the host's invalidations" in caplog.text
    cache.close()
