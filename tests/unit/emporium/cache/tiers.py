"""The conformance every cache tier passes (run against each of them)."""

from __future__ import annotations

import time

from dogpile.cache.api import NO_VALUE
from zope.interface.verify import verifyObject

from emporium.cache.entries import make_entry
from emporium.cache.interfaces import ICacheTier


class TierConformance:
    """Subclasses provide a ``tier`` fixture."""

    def test_provides_the_interface(self, tier):
        assert verifyObject(ICacheTier, tier)

    def test_absent_keys_are_no_value(self, tier):
        assert tier.get_multi(["core:1", "core:2"]) == [NO_VALUE, NO_VALUE]

    def test_set_then_get_keeps_payload_and_deadline(self, tier):
        now = time.time()
        entry = make_entry({"name": "Kite", "tags": ["a", "b"], "n": 3}, 60, now=now)
        tier.set_multi({"core:7": entry})
        [found] = tier.get_multi(["core:7"])
        assert found.payload == {"name": "Kite", "tags": ["a", "b"], "n": 3}
        assert found.metadata["ct"] == now
        assert found.metadata["x"] == now + 60

    def test_none_is_a_value(self, tier):
        tier.set_multi({"core:8": make_entry(None, 60)})
        [found] = tier.get_multi(["core:8"])
        assert found is not NO_VALUE
        assert found.payload is None

    def test_many_keys_in_order(self, tier):
        tier.set_multi({f"pricing:{i}": make_entry(i, 60) for i in range(50)})
        found = tier.get_multi([f"pricing:{i}" for i in (49, 3, 99, 0)])
        assert [f.payload if f is not NO_VALUE else None for f in found] == [
            49,
            3,
            None,
            0,
        ]

    def test_delete(self, tier):
        tier.set_multi({"core:1": make_entry(1, 60), "core:2": make_entry(2, 60)})
        tier.delete_multi(["core:1", "core:404"])
        assert [e is NO_VALUE for e in tier.get_multi(["core:1", "core:2"])] == [
            True,
            False,
        ]

    def test_overwrite(self, tier):
        tier.set_multi({"inventory:1": make_entry(5, 60)})
        tier.set_multi({"inventory:1": make_entry(4, 60)})
        assert tier.get_multi(["inventory:1"])[0].payload == 4

    def test_clear(self, tier):
        tier.set_multi({"core:1": make_entry(1, 60)})
        tier.clear()
        assert tier.get_multi(["core:1"]) == [NO_VALUE]

    def test_unicode(self, tier):
        tier.set_multi({"core:ü": make_entry("Škoda — ½ price", 60)})
        assert tier.get_multi(["core:ü"])[0].payload == "Škoda — ½ price"
