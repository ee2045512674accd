"""Tier 3 on a real Redis, and invalidation messages between processes."""

from __future__ import annotations

import time

import pytest
from dogpile.cache.api import NO_VALUE

from emporium.cache.entries import make_entry
from emporium.cache.memory import MemoryBackend
from emporium.cache.services import ObjectCache, make_object_region
from emporium.cache.shared import RedisBackend, RedisBus
from tests.services import free_port, redis_server
from tests.unit.emporium.cache.tiers import TierConformance


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_tier(redis_url):
    tier = RedisBackend({"url": redis_url, "prefix": "test:"})
    tier.client.flushdb()
    yield tier
    tier.close()


class TestRedisTier(TierConformance):
    @pytest.fixture
    def tier(self, redis_tier):
        return redis_tier


def test_entries_expire_in_redis_at_their_deadline(redis_tier):
    redis_tier.set_multi({"inventory:1": make_entry(5, 30)})
    ttl = redis_tier.client.pttl("test:inventory:1")
    assert 29_000 < ttl <= 30_000


def test_a_redis_that_does_not_answer_is_a_miss(caplog):
    tier = RedisBackend(
        {"url": f"redis://127.0.0.1:{free_port()}/0", "socket_timeout": "0.2"}
    )
    assert tier.get_multi(["core:1"]) == [NO_VALUE]
    tier.set_multi({"core:1": make_entry(1, 60)})
    assert tier.ping() is False
    assert "skipping it" in caplog.text
    tier.close()


def _process_cache(redis_url: str) -> tuple[ObjectCache, MemoryBackend]:
    memory = MemoryBackend({})
    shared = RedisBackend({"url": redis_url, "prefix": "bus:"})
    bus = RedisBus(redis_url, "test:invalidate")
    cache = ObjectCache(make_object_region([memory, shared]), bus=bus)
    cache.listen()
    assert bus.ready.wait(10), "the invalidation channel never answered"
    return cache, memory


def test_an_invalidation_reaches_the_other_processes(redis_url):
    """Two caches with their own memory tier, as two processes have."""
    first, first_memory = _process_cache(redis_url)
    second, second_memory = _process_cache(redis_url)
    try:
        first.set_many({"pricing:1": 100})
        assert second.get("pricing:1") == 100  # filled from Redis
        assert second_memory.get_multi(["pricing:1"])[0].payload == 100
        first.invalidate(["pricing:1"])
        deadline = time.monotonic() + 5
        while second_memory.get_multi(["pricing:1"]) != [NO_VALUE]:
            assert time.monotonic() < deadline, "second process kept its copy"
            time.sleep(0.01)
        assert second.get("pricing:1") is NO_VALUE
    finally:
        first.close()
        second.close()
