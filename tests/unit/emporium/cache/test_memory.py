from __future__ import annotations

import pytest
from dogpile.cache.api import NO_VALUE

from emporium.cache.entries import make_entry
from emporium.cache.memory import MemoryBackend
from tests.unit.emporium.cache.tiers import TierConformance


class TestMemoryTier(TierConformance):
    @pytest.fixture
    def tier(self):
        return MemoryBackend({"max_items": 1000})


def test_least_recently_used_goes_first():
    tier = MemoryBackend({"max_items": 3})
    tier.set_multi({f"core:{i}": make_entry(i, 60) for i in (1, 2, 3)})
    tier.get_multi(["core:1"])  # used: 2 is now the oldest
    tier.set_multi({"core:4": make_entry(4, 60)})
    assert len(tier) == 3
    assert tier.get_multi(["core:2"]) == [NO_VALUE]
    assert tier.get_multi(["core:1"])[0].payload == 1


def test_values_are_kept_as_they_are():
    tier = MemoryBackend({})
    value = {"name": "Kite"}
    tier.set_multi({"core:1": make_entry(value, 60)})
    assert tier.get_multi(["core:1"])[0].payload is value


def test_max_items_must_be_positive():
    with pytest.raises(ValueError, match="max_items"):
        MemoryBackend({"max_items": "0"})
