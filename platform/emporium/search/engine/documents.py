"""The index's schema, and a catalog document as the index's fields."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime

import tantivy

from emporium.search.engine.analysis import (
    ANALYZERS,
    CJK_RUN,
    KEYWORD,
    STEM,
    WORDS,
    cjk_for_index,
    normalize_title,
)

FACET_PREFIX = "f_"
_U32 = 1 << 32


def build_schema(facets: Iterable[str]) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", indexed=True, fast=True)
    builder.add_text_field("name", stored=True, tokenizer_name=STEM)
    builder.add_text_field("name_words", tokenizer_name=WORDS, index_option="basic")
    builder.add_text_field("name_exact", tokenizer_name=KEYWORD, index_option="basic")
    builder.add_text_field("body", tokenizer_name=STEM, index_option="freq")
    builder.add_text_field(
        "section", fast=True, tokenizer_name="raw", index_option="basic"
    )
    builder.add_unsigned_field("category_id", indexed=True, fast=True)
    builder.add_unsigned_field("price", indexed=True, fast=True)
    builder.add_unsigned_field("in_stock", indexed=True, fast=True)
    builder.add_float_field("weight", fast=True)
    for key in ("k_browse", "k_rank", "k_price", "k_new"):
        builder.add_unsigned_field(key, fast=True)
    builder.add_text_field("k_title", fast=True, tokenizer_name="raw")
    for name in facets:
        builder.add_text_field(
            FACET_PREFIX + name, fast=True, tokenizer_name="raw", index_option="basic"
        )
    return builder.build()


def register(index: tantivy.Index) -> tantivy.Index:
    for name, analyzer in ANALYZERS.items():
        index.register_tokenizer(name, analyzer)
    return index


def weight(best_seller_rank: int, stock: int) -> float:
    """How much a product's popularity and availability lift its relevance:
    tantivy multiplies the text score by log2(2 + weight), so 0 leaves it
    alone and 2 doubles it. Sold-out products get no lift."""
    if stock <= 0:
        return 0.0
    rank = max(1, best_seller_rank)
    return 0.5 + 1.5 * max(0.0, 1.0 - math.log10(rank) / 7.0)


def _epoch(value: datetime | None) -> int:
    if value is None:
        return 0
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return max(0, int(value.timestamp()))


def to_document(doc: dict, facets: Iterable[str]) -> dict:
    """A catalog document (see ISearchDocuments) as the index's fields."""
    pid = int(doc["id"])
    name = doc.get("name") or ""
    fields = doc.get("fields") or {}
    keywords = [str(v) for v in doc.get("keywords") or () if v not in (None, "")]
    rank = min(int(doc.get("best_seller_rank") or 0), _U32 - 1)
    stock = int(doc.get("stock") or 0)
    price = max(0, int(doc.get("price_minor") or 0))
    title = normalize_title(name)
    result = {
        "id": pid,
        "name": name,
        "name_words": cjk_for_index(name),
        "name_exact": title,
        # A CJK name's pairs go with the body (the stored name stays as is).
        "body": cjk_for_index(
            " ".join(
                [
                    *CJK_RUN.findall(name),
                    doc.get("description") or "",
                    doc.get("category") or "",
                    *keywords,
                ]
            )
        ),
        "section": doc.get("section") or "",
        "category_id": int(doc.get("category_id") or 0),
        "price": price,
        "in_stock": 1 if stock > 0 else 0,
        "weight": weight(rank, stock),
        "k_browse": ((0 if stock > 0 else 1) << 62) | (rank * _U32 + pid),
        "k_rank": rank * _U32 + pid,
        "k_price": min(price, _U32 - 1) * _U32 + pid,
        "k_new": min(_epoch(doc.get("created_at")), _U32 - 1) * _U32 + pid,
        "k_title": f"{title[:200]}\x00{pid:012d}",
    }
    # Facet values by index name (see emporium.search.indexing.with_facets);
    # a document without them names its facets by field.
    values = doc.get("facets")
    if values is None:
        values = fields
    for facet in facets:
        value = values.get(facet)
        if value not in (None, ""):
            result[FACET_PREFIX + facet] = str(value)
    return result
