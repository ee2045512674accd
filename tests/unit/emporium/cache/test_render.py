"""Rendered pages are reused only while their sources are the same objects."""

from __future__ import annotations

import time

from emporium.cache.render import RenderMemo


def test_the_same_objects_reuse_the_page():
    memo = RenderMemo(10)
    core, pricing = {"name": "Kite"}, {"price_minor": 999}
    memo.put(("product.pt", "/products/1"), (core, pricing), b"<html>")
    assert memo.get(("product.pt", "/products/1"), (core, pricing)) == b"<html>"


def test_an_equal_but_new_object_renders_again():
    memo = RenderMemo(10)
    memo.put(("k",), ({"price_minor": 999},), b"old")
    # A refill (invalidation, expiry, a lower tier) is a new object.
    assert memo.get(("k",), ({"price_minor": 999},)) is None


def test_other_sources_or_keys_miss():
    memo = RenderMemo(10)
    core = {"name": "Kite"}
    memo.put(("k",), (core,), b"page")
    assert memo.get(("k",), (core, None)) is None
    assert memo.get(("other",), (core,)) is None
    assert (memo.hits, memo.misses) == (0, 2)


def test_bounded():
    memo = RenderMemo(2)
    for number in range(3):
        memo.put((number,), (), b"page")
    assert memo.get((0,), ()) is None
    assert memo.get((2,), ()) == b"page"


def test_zero_disables():
    assert not RenderMemo(0).enabled


def test_a_page_that_changes_by_itself_is_rendered_again_then():
    memo = RenderMemo(10)
    core = {"name": "Kite"}
    memo.put(("k",), (core,), b"before the sale", expires=time.time() - 1)
    assert memo.get(("k",), (core,)) is None
    memo.put(("k",), (core,), b"sale", expires=time.time() + 3600)
    assert memo.get(("k",), (core,)) == b"sale"
