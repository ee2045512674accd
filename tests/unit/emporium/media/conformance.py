"""Behaviour every ``IMediaStore`` shows. A test class mixes this in and
provides a ``store`` fixture (an empty store)."""

from __future__ import annotations

import re
import time

from zope.interface.verify import verifyObject

from emporium.interfaces import IMediaStore


class MediaStoreConformance:
    def test_provides_the_interface(self, store):
        assert verifyObject(IMediaStore, store)

    def test_what_is_put_is_got_back_under_a_content_name(self, store):
        name = store.put(b"\x89PNG photo bytes", "png")
        assert re.fullmatch(r"[0-9a-f]{32}\.png", name)
        assert store.exists(name)
        assert store.get(name) == b"\x89PNG photo bytes"

    def test_equal_bytes_share_a_name_and_others_do_not(self, store):
        first = store.put(b"one", "jpg")
        assert store.put(b"one", "jpg") == first
        assert store.put(b"two", "jpg") != first
        assert store.put(b"one", "webp") != first

    def test_a_name_never_put_is_none(self, store):
        assert store.get("0" * 32 + ".jpg") is None
        assert not store.exists("0" * 32 + ".jpg")

    def test_a_name_the_store_could_not_have_made_is_none(self, store):
        store.put(b"kept", "jpg")
        for name in ("../../etc/passwd", "", ".jpg", "a" * 32, "A" * 32 + ".jpg"):
            assert store.get(name) is None, name
            assert not store.exists(name), name

    def test_a_deleted_name_is_gone_and_deleting_twice_is_harmless(self, store):
        name = store.put(b"short-lived", "png")
        store.delete(name)
        assert store.get(name) is None
        store.delete(name)
        store.delete("not a name")

    def test_names_lists_what_is_kept_in_order_from_after(self, store):
        before = time.time() - 1
        kept = sorted(store.put(bytes([n]) * 3, "jpg") for n in range(20))
        listed = list(store.names())
        assert [name for name, _ in listed] == kept
        assert all(kept_at >= before for _, kept_at in listed)
        assert [name for name, _ in store.names(after=kept[7])] == kept[8:]
        store.delete(kept[3])
        assert kept[3] not in [name for name, _ in store.names()]

    def test_an_empty_store_names_nothing(self, store):
        assert list(store.names()) == []
        assert list(store.names(after="f" * 32 + ".jpg")) == []
