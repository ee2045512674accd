"""The index, on tantivy: its schema, the documents, the queries, and the
generations on disk that let a rebuilt index be swapped in atomically.

On disk, under the index directory::

    gen-<time>-<pid>/   one complete tantivy index and its emporium.json
    current -> gen-...  a symlink, replaced with rename(2) to swap

Readers (the app in-process, or each search-server replica) look at the
symlink on every query and open the new generation when it changes; a
search already running keeps the old one until it ends, so a swap never
shows an error nor an empty result.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import tantivy

from emporium.search.conditions import (
    FacetCount,
    SearchConditions,
    SearchResult,
    words_of,
)
from emporium.search.errors import SearchUnavailable

log = logging.getLogger(__name__)

CURRENT = "current"
META = "emporium.json"
FORMAT = 1
FACET_PREFIX = "f_"
KEEP_GENERATIONS = 2
MAX_OFFSET = 100_000
# A facet with more distinct values than this (an author) is counted only
# over results of at most WIDE_FACET_RESULTS: its count costs in proportion
# to its distinct values, more than the rest of the query over a section.
WIDE_FACET = 1000
WIDE_FACET_RESULTS = 2_000
# Totals and facet counts of recent conditions, reused when only the sort or
# the page changes; another process's updates show within COUNTS_SECONDS.
COUNTS_CACHE_SIZE = 4096
COUNTS_SECONDS = 10.0
WRITER_LOCK_WAIT = 10.0

_STEM = "emporium_stem"
_WORDS = "emporium_words"
_KEYWORD = "emporium_keyword"
_KEYWORD_WORDS = "emporium_title"
_U32 = 1 << 32


def _analyzers() -> dict[str, tantivy.TextAnalyzer]:
    def build(tokenizer, *filters) -> tantivy.TextAnalyzer:
        builder = tantivy.TextAnalyzerBuilder(tokenizer)
        for f in filters:
            builder = builder.filter(f)
        return builder.build()

    base = (
        tantivy.Filter.remove_long(40),
        tantivy.Filter.lowercase(),
        tantivy.Filter.ascii_fold(),
    )
    return {
        _STEM: build(
            tantivy.Tokenizer.simple(), *base, tantivy.Filter.stemmer("english")
        ),
        _WORDS: build(tantivy.Tokenizer.simple(), *base),
        _KEYWORD_WORDS: build(tantivy.Tokenizer.simple(), *base),
        _KEYWORD: build(
            tantivy.Tokenizer.raw(),
            tantivy.Filter.lowercase(),
            tantivy.Filter.ascii_fold(),
        ),
    }


ANALYZERS = _analyzers()


def _analyze(name: str, text: str) -> list[str]:
    return ANALYZERS[name].analyze(text)


# Han, kana and Hangul are written without spaces between words: a run of
# them is indexed as its characters and its overlapping pairs of characters
# (bigrams), and searched as its pairs, so a word inside a run is found.
_CJK_RUN = re.compile(
    "[\u3005-\u3007\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]+"
)


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] or [run]


def cjk_for_index(text: str) -> str:
    """``text`` with each CJK run spelt out as its characters and pairs."""
    return _CJK_RUN.sub(lambda m: f" {' '.join([*m[0], *_pairs(m[0])])} ", text)


def cjk_for_query(words: list[str]) -> list[str]:
    """Query words with each CJK run split into its pairs (a lone character
    stays itself): every pair must be found."""
    result = []
    for word in words:
        for part in _CJK_RUN.sub(lambda m: f" {' '.join(_pairs(m[0]))} ", word).split():
            result.append(part)
    return result


def normalize_title(text: str) -> str:
    """A name reduced to its words, for the exact-title match and the sort."""
    return " ".join(_analyze(_KEYWORD_WORDS, text or ""))


def build_schema(facets: Iterable[str]) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", indexed=True, fast=True)
    builder.add_text_field("name", stored=True, tokenizer_name=_STEM)
    builder.add_text_field("name_words", tokenizer_name=_WORDS, index_option="basic")
    builder.add_text_field("name_exact", tokenizer_name=_KEYWORD, index_option="basic")
    builder.add_text_field("body", tokenizer_name=_STEM, index_option="freq")
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


def _register(index: tantivy.Index) -> tantivy.Index:
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
                    *_CJK_RUN.findall(name),
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
    for facet in facets:
        value = fields.get(facet)
        if value not in (None, ""):
            result[FACET_PREFIX + facet] = str(value)
    return result


class IndexDirectory:
    """The generations of an index under one directory, and the swap."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)

    @property
    def link(self) -> str:
        return os.path.join(self.path, CURRENT)

    def live(self) -> str | None:
        """The live generation's folder, or None when none was built."""
        try:
            target = os.readlink(self.link)
        except OSError:
            return None
        return os.path.join(self.path, target)

    def new_generation(self) -> str:
        os.makedirs(self.path, exist_ok=True)
        # Nanoseconds since the epoch: names sort in the order they were made.
        name = f"gen-{time.time_ns():020d}"
        folder = os.path.join(self.path, name)
        os.makedirs(folder)
        return folder

    def swap(self, folder: str) -> None:
        """Make ``folder`` the live generation in one rename(2)."""
        temporary = os.path.join(self.path, f".{CURRENT}-{os.getpid()}")
        if os.path.lexists(temporary):
            os.unlink(temporary)
        os.symlink(os.path.basename(folder), temporary)
        os.replace(temporary, self.link)
        self.prune()

    def prune(self) -> None:
        """Remove generations older than the live one and the previous few:
        replicas have long moved on to the live one by then."""
        live = self.live()
        generations = sorted(e for e in os.listdir(self.path) if e.startswith("gen-"))
        if live is None:
            return
        live_name = os.path.basename(live)
        older = [g for g in generations if g < live_name]
        for name in older[: max(0, len(older) - (KEEP_GENERATIONS - 1))]:
            shutil.rmtree(os.path.join(self.path, name), ignore_errors=True)


def _read_meta(folder: str) -> dict:
    with open(os.path.join(folder, META), encoding="utf-8") as handle:
        return json.load(handle)


def _write_meta(folder: str, meta: dict) -> None:
    temporary = os.path.join(folder, META + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(meta, handle)
    os.replace(temporary, os.path.join(folder, META))


def create_index(folder: str, facets: list[str]) -> tantivy.Index:
    index = _register(tantivy.Index(build_schema(facets), path=folder, reuse=False))
    _write_meta(folder, {"format": FORMAT, "facets": facets})
    return index


def open_writer(index: tantivy.Index, heap: int, threads: int) -> tantivy.IndexWriter:
    """A writer, waiting a little while another process holds the lock."""
    deadline = time.monotonic() + WRITER_LOCK_WAIT
    while True:
        try:
            return index.writer(heap_size=heap, num_threads=threads)
        except ValueError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def write_documents(
    index: tantivy.Index,
    folder: str,
    facets: list[str],
    batches: Iterable[list[dict]],
    progress: Callable[[int], None] = lambda n: None,
    heap: int = 1_000_000_000,
    threads: int = 2,
) -> int:
    """Add every document of ``batches`` to a new, empty index.

    A large writer heap means few segments to merge at the end: at a million
    products it halves the indexing time, for about 1 GB held while it runs.
    """
    schema = index.schema
    writer = open_writer(index, heap, threads)
    count = 0
    values: dict[str, set] = {name: set() for name in facets}
    try:
        for batch in batches:
            for doc in batch:
                fields = to_document(doc, facets)
                for name, seen in values.items():
                    if len(seen) <= WIDE_FACET:
                        seen.add(fields.get(FACET_PREFIX + name))
                writer.add_document(tantivy.Document.from_dict(fields, schema))
            count += len(batch)
            progress(len(batch))
        writer.commit()
        writer.wait_merging_threads()
    except BaseException:
        writer.rollback()
        raise
    meta = _read_meta(folder)
    meta["wide_facets"] = [n for n, seen in values.items() if len(seen) > WIDE_FACET]
    meta["documents"] = count
    _write_meta(folder, meta)
    return count


def _counts_key(c: SearchConditions) -> tuple:
    return (
        c.words.strip().lower(),
        c.section,
        c.category,
        tuple(sorted((k, tuple(sorted(v))) for k, v in c.facets.items())),
        c.price_min,
        c.price_max,
        c.in_stock,
        tuple(c.facet_names),
    )


class _CountsCache:
    """A small LRU of (total, facet counts) with a time-to-live."""

    def __init__(self, size: int, seconds: float = COUNTS_SECONDS) -> None:
        self.size = size
        self.seconds = seconds
        self._items: OrderedDict[tuple, tuple[float, tuple]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple | None:
        if not self.size:
            return None
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            if time.monotonic() - found[0] > self.seconds:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, key: tuple, value: tuple) -> None:
        if not self.size:
            return
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _term(schema, field: str, value) -> tantivy.Query:
    return tantivy.Query.term_query(schema, field, value)


class SearchIndex:
    """Queries over the live generation of an index directory.

    Safe to share between threads; reopens the index when the generation
    changes (a swap) and sees commits of incremental updates.
    """

    def __init__(self, path: str, counts_cache: int = COUNTS_CACHE_SIZE) -> None:
        self.directory = IndexDirectory(path)
        self._lock = threading.Lock()
        self._live: tuple[str, tantivy.Index, list[str], set[str]] | None = None
        self._counts = _CountsCache(counts_cache)

    def _open(self) -> tuple[str, tantivy.Index, list[str], set[str]]:
        folder = self.directory.live()
        live = self._live
        if live is not None and live[0] == folder:
            return live
        if folder is None:
            raise SearchUnavailable("the search index has not been built yet")
        with self._lock:
            if self._live is not None and self._live[0] == folder:
                return self._live
            try:
                meta = _read_meta(folder)
                index = _register(tantivy.Index.open(folder))
            except (OSError, ValueError) as exc:
                if self._live is not None:
                    # A generation being pruned under us: keep what we have.
                    log.warning("cannot open index %s: %s", folder, exc)
                    return self._live
                raise SearchUnavailable(f"cannot open the search index: {exc}") from exc
            self._live = (
                folder,
                index,
                list(meta.get("facets", ())),
                set(meta.get("wide_facets", ())),
            )
            log.info("search index opened: %s", folder)
            return self._live

    @property
    def available(self) -> bool:
        try:
            self._open()
        except SearchUnavailable:
            return False
        return True

    def reload(self) -> None:
        self._open()[1].reload()

    # -- queries -----------------------------------------------------------

    def _text_query(
        self, schema, searcher, words: list[str], title: str
    ) -> tantivy.Query | None:
        """Every word must match; ``title`` (the query as a normalized title)
        lifts an exact title above everything."""
        clauses = []
        for position, word in enumerate(words):
            plain = _analyze(_WORDS, word)
            if not plain:
                continue
            token = plain[0]
            should = []
            known = False
            if _CJK_RUN.match(token):
                # The name's pairs are in name_words: a name outranks a body.
                should.append(
                    tantivy.Query.boost_query(_term(schema, "name_words", token), 3.0)
                )
            for stem in _analyze(_STEM, word):
                should.append(
                    tantivy.Query.boost_query(_term(schema, "name", stem), 3.0)
                )
                should.append(_term(schema, "body", stem))
                known = known or any(
                    searcher.doc_freq(field, stem) > 0 for field in ("name", "body")
                )
            # A word found as typed needs neither a typo's leeway nor
            # completing: the automata are most of a query's cost.
            if known:
                pass
            elif len(token) >= 4:
                # One typo (a transposition counts once) in a name's word.
                should.append(
                    tantivy.Query.boost_query(
                        tantivy.Query.fuzzy_term_query(schema, "name_words", token, 1),
                        0.5,
                    )
                )
            if not known and position == len(words) - 1 and len(token) >= 2:
                # The word being typed: any name word it begins.
                should.append(
                    tantivy.Query.boost_query(
                        tantivy.Query.fuzzy_term_query(
                            schema, "name_words", token, 0, prefix=True
                        ),
                        0.5,
                    )
                )
            clauses.append(
                (
                    tantivy.Occur.Must,
                    tantivy.Query.boolean_query(
                        [(tantivy.Occur.Should, q) for q in should]
                    ),
                )
            )
        if not clauses:
            return None
        exact = _term(schema, "name_exact", title)
        clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(exact, 20.0)))
        return tantivy.Query.boolean_query(clauses)

    def _filters(self, schema, facets_known, c: SearchConditions) -> list | None:
        filters = []
        if c.section:
            filters.append(_term(schema, "section", c.section))
        if c.category is not None:
            filters.append(_term(schema, "category_id", c.category))
        if c.in_stock:
            filters.append(_term(schema, "in_stock", 1))
        if c.price_min is not None or c.price_max is not None:
            filters.append(
                tantivy.Query.range_query(
                    schema,
                    "price",
                    tantivy.FieldType.Unsigned,
                    c.price_min,
                    c.price_max,
                )
            )
        for name, values in c.facets.items():
            if not values:
                continue
            if name not in facets_known:
                return None  # a facet this index does not know: nothing matches
            field = FACET_PREFIX + name
            if len(values) == 1:
                filters.append(_term(schema, field, values[0]))
            else:
                filters.append(
                    tantivy.Query.term_set_query(schema, field, list(values))
                )
        return filters

    def _query(self, schema, searcher, facets_known, c: SearchConditions):
        filters = self._filters(schema, facets_known, c)
        if filters is None:
            return None, False
        words = words_of(c.words)
        text = self._text_query(
            schema, searcher, cjk_for_query(words), normalize_title(" ".join(words))
        )
        clauses = [
            (tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0))
            for f in filters
        ]
        if text is not None:
            clauses.append((tantivy.Occur.Must, text))
        if not clauses:
            return tantivy.Query.all_query(), False
        return tantivy.Query.boolean_query(clauses), text is not None

    def search(self, c: SearchConditions) -> SearchResult:
        _, index, facets_known, wide = self._open()
        schema = index.schema
        searcher = index.searcher()
        query, scored = self._query(schema, searcher, facets_known, c)
        if query is None:
            return SearchResult(ids=[], total=0, facets={})
        # The total and facet counts do not depend on the sort or the page:
        # paging and re-sorting a result reuse them for a few seconds.
        key = (self._live[0] if self._live else None, *_counts_key(c))
        counts = self._counts.get(key)
        offset = min(c.offset, MAX_OFFSET)
        kwargs: dict = {"limit": c.per_page, "offset": offset, "count": counts is None}
        if c.sort == "relevance" and scored:
            kwargs["weight_by_field"] = "weight"
        else:
            field, order = {
                "relevance": ("k_browse", tantivy.Order.Asc),
                "bestselling": ("k_rank", tantivy.Order.Asc),
                "price": ("k_price", tantivy.Order.Asc),
                "newest": ("k_new", tantivy.Order.Desc),
                "title": ("k_title", tantivy.Order.Asc),
            }[c.sort]
            kwargs["order_by_field"] = field
            kwargs["order"] = order
        result = searcher.search(query, **kwargs)
        addresses = [address for _, address in result.hits]
        ids = searcher.fast_field_values("id", addresses) if addresses else []
        if counts is None:
            total = int(result.count or 0)
            counted = [
                n for n in c.facet_names if n not in wide or total <= WIDE_FACET_RESULTS
            ]
            counts = (total, self._facets(searcher, query, counted, facets_known))
            self._counts.put(key, counts)
        return SearchResult(
            ids=[int(i) for i in ids], total=counts[0], facets=counts[1]
        )

    def _facets(self, searcher, query, names, facets_known) -> dict:
        fields = {
            name: ("section" if name == "section" else FACET_PREFIX + name)
            for name in names
            if name == "section" or name in facets_known
        }
        if not fields:
            return {}
        aggregation = {
            name: {"terms": {"field": field, "size": 10}}
            for name, field in fields.items()
        }
        answer = searcher.aggregate(query, aggregation)
        return {
            name: [
                FacetCount(str(bucket["key"]), int(bucket["doc_count"]))
                for bucket in answer.get(name, {}).get("buckets", [])
            ]
            for name in fields
        }

    def suggest(self, text: str, limit: int = 8) -> list[dict]:
        """Product names that complete a partial query, best sellers first."""
        words = [t for w in cjk_for_query(words_of(text)) for t in _analyze(_WORDS, w)]
        words = words[:8]
        if not words:
            return []
        index = self._open()[1]
        schema = index.schema
        clauses = [
            (tantivy.Occur.Must, _term(schema, "name_words", w)) for w in words[:-1]
        ]
        clauses.append(
            (
                tantivy.Occur.Must,
                tantivy.Query.fuzzy_term_query(
                    schema, "name_words", words[-1], 0, prefix=True
                ),
            )
        )
        searcher = index.searcher()
        result = searcher.search(
            tantivy.Query.boolean_query(clauses),
            limit=limit * 8,
            count=False,
            order_by_field="k_browse",
            order=tantivy.Order.Asc,
        )
        addresses = [address for _, address in result.hits]
        if not addresses:
            return []
        ids = searcher.fast_field_values("id", addresses)
        seen: set[str] = set()
        suggestions = []
        for address, pid in zip(addresses, ids, strict=True):
            name = searcher.doc(address).get_first("name") or ""
            if name.lower() in seen:
                continue
            seen.add(name.lower())
            suggestions.append({"id": int(pid), "name": name})
            if len(suggestions) == limit:
                break
        return suggestions

    # -- incremental updates ------------------------------------------------

    def apply(self, documents: list[dict], deleted: Iterable[int]) -> None:
        """Replace these documents and delete these ids in the live index."""
        _, index, facets, _ = self._open()
        apply_to_index(index, facets, documents, deleted)
        self._counts.clear()


def apply_to_index(
    index: tantivy.Index, facets: list[str], documents: list[dict], deleted
) -> None:
    """Replace ``documents`` (by id) and delete ``deleted`` ids, committed."""
    schema = index.schema
    writer = open_writer(index, 20_000_000, 1)
    try:
        gone = sorted({*deleted, *(int(d["id"]) for d in documents)})
        if gone:
            # By query: a u64 term given as a Python int does not match.
            writer.delete_documents_by_query(
                tantivy.Query.term_set_query(schema, "id", gone)
            )
        for doc in documents:
            writer.add_document(
                tantivy.Document.from_dict(to_document(doc, facets), schema)
            )
        writer.commit()
        writer.wait_merging_threads()
    except BaseException:
        writer.rollback()
        raise
    index.reload()
