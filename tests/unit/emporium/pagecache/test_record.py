"""The record of what a page used, and its time-to-live."""

from __future__ import annotations

from emporium.pagecache import record


def test_notes_go_to_the_current_record_only():
    record.note(partitions=["core"])  # outside a request: nowhere
    token = record.start()
    try:
        record.note(["core", "inventory"], [(42, 7, "store")], changes_at=500.0)
        record.note(["category"], categories=[7], changes_at=900.0)
        page = record.current()
    finally:
        record.stop(token)
    assert record.current() is None
    assert page.partitions == {"core", "inventory", "category"}
    assert page.products == {42: (7, "store")}
    assert page.categories == {7}
    assert page.changes_at == 500.0


def test_the_ttl_is_the_shortest_partitions():
    page = record.PageRecord(partitions={"core", "inventory"})
    ttls = {"core": 3600, "inventory": 30}
    assert page.ttl(ttls.__getitem__, now=0) == 30


def test_a_scheduled_change_caps_the_ttl():
    page = record.PageRecord(partitions={"core"}, changes_at=1012.5)
    assert page.ttl({"core": 3600}.__getitem__, now=1000) == 12


def test_an_empty_record_is_false():
    assert not record.PageRecord()
    assert record.PageRecord(keys={"listing:section:store"})
