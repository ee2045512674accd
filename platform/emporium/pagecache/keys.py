"""Surrogate keys: the names a cached page carries so that a purge can find
it (``xkey`` in Varnish).

- ``product:<id>``: the page shows this product;
- ``category:<id>``: the page shows this category (its name, its link);
- ``listing:category:<id>``, ``listing:section:<name>``,
  ``categories:<section>``: the page lists what these hold (which products,
  in which order), so a product added, removed or moved changes it;
- ``products:category:<id>``, ``products:section:<name>``: the short form a
  page takes when naming each product would make the header too long. A
  change to a product purges these too, so such a page is still purged,
  only less precisely.
"""

from __future__ import annotations

from emporium.pagecache.record import PageRecord

HEADER = "xkey"
DEFAULT_MAX_BYTES = 2048


def product_key(product_id: int) -> str:
    return f"product:{product_id}"


def category_key(category_id: int) -> str:
    return f"category:{category_id}"


def product_change_keys(
    product_id: int, category_id: int | None, section: str | None
) -> list[str]:
    """What to purge when a product a page shows changes: its own key and
    the short forms a long page may carry instead."""
    keys = [product_key(product_id)]
    if category_id is not None:
        keys.append(f"products:category:{category_id}")
    if section:
        keys.append(f"products:section:{section}")
    return keys


def _joined(keys) -> str:
    return " ".join(sorted(keys))


def page_keys(
    record: PageRecord, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[str, bool]:
    """The key header of a page and whether it names everything: every
    product and category it shows, in full when that fits in ``max_bytes``,
    else the products collapsed to their categories' (then their sections')
    short key."""
    fixed = {category_key(c) for c in record.categories} | record.keys
    products = {product_key(p) for p in record.products}
    header = _joined(fixed | products)
    if len(header) <= max_bytes:
        return header, True
    by_category = {
        f"products:category:{category}"
        if category is not None
        else f"products:section:{section}"
        for category, section in record.products.values()
    }
    header = _joined(fixed | by_category)
    if len(header) <= max_bytes:
        return header, True
    by_section = {f"products:section:{s}" for _, s in record.products.values()}
    header = _joined(fixed | by_section)
    if len(header) <= max_bytes:
        return header, True
    # Still too long (a page naming hundreds of categories): keep what fits;
    # the page then relies on its TTL for the rest. Never a refused header.
    kept: list[str] = []
    size = 0
    for key in sorted(by_section) + sorted(fixed):
        if size + len(key) + 1 > max_bytes:
            break
        kept.append(key)
        size += len(key) + 1
    return " ".join(kept), False
