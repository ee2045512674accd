"""Surrogate keys of a page: exact while they fit, collapsed when not."""

from __future__ import annotations

from emporium.pagecache.keys import page_keys, product_change_keys
from emporium.pagecache.record import PageRecord


def record_of(count: int, categories: int = 1) -> PageRecord:
    record = PageRecord(partitions={"core"}, categories={7})
    for index in range(count):
        record.products[1_000_000 + index] = (100 + index % categories, "store")
    record.keys.add("listing:category:7")
    return record


def test_a_page_names_every_product_and_category_while_it_fits():
    header, complete = page_keys(record_of(3))
    assert complete
    assert header.split() == sorted(
        [
            "category:7",
            "listing:category:7",
            "product:1000000",
            "product:1000001",
            "product:1000002",
        ]
    )


def test_a_hundred_products_fit_the_default_limit():
    header, complete = page_keys(record_of(100))
    assert complete and len(header) < 2048
    assert header.count("product:") == 100


def test_too_many_products_collapse_to_their_categories_key():
    header, complete = page_keys(record_of(100), max_bytes=200)
    assert complete
    assert header.split() == [
        "category:7",
        "listing:category:7",
        "products:category:100",
    ]


def test_too_many_categories_collapse_to_the_section():
    header, complete = page_keys(record_of(100, categories=100), max_bytes=200)
    assert complete
    assert "products:section:store" in header.split()
    assert "product:" not in header


def test_a_header_never_exceeds_the_limit():
    record = record_of(10)
    record.categories.update(range(1000, 1500))
    header, complete = page_keys(record, max_bytes=300)
    assert not complete
    assert len(header) <= 300


def test_a_product_change_purges_the_short_forms_too():
    assert product_change_keys(42, 7, "books") == [
        "product:42",
        "products:category:7",
        "products:section:books",
    ]
    assert product_change_keys(42, None, None) == ["product:42"]
