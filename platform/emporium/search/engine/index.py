"""Searches over the live generation of an index directory."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import tantivy

from emporium.search.conditions import SearchConditions, SearchResult, words_of
from emporium.search.engine import queries
from emporium.search.engine.analysis import WORDS, analyze, cjk_for_query
from emporium.search.engine.counts import COUNTS_CACHE_SIZE, CountsCache, counts_key
from emporium.search.engine.documents import register
from emporium.search.engine.generations import IndexDirectory, read_meta
from emporium.search.engine.writer import apply_to_index
from emporium.search.errors import SearchUnavailable

log = logging.getLogger(__name__)

MAX_OFFSET = 100_000
# A wide facet (see ``emporium.search.engine.writer.WIDE_FACET``) is counted
# only over results of at most this many products.
WIDE_FACET_RESULTS = 2_000


class SearchIndex:
    """Queries over the live generation of an index directory.

    Safe to share between threads; reopens the index when the generation
    changes (a swap) and sees commits of incremental updates.
    """

    def __init__(self, path: str, counts_cache: int = COUNTS_CACHE_SIZE) -> None:
        self.directory = IndexDirectory(path)
        self._lock = threading.Lock()
        self._live: tuple[str, tantivy.Index, list[str], set[str]] | None = None
        self._counts = CountsCache(counts_cache)

    @property
    def counts(self) -> CountsCache:
        """The recent searches' totals and facet counts this process keeps."""
        return self._counts

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
                meta = read_meta(folder)
                index = register(tantivy.Index.open(folder))
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

    def search(self, c: SearchConditions) -> SearchResult:
        _, index, facets_known, wide = self._open()
        schema = index.schema
        searcher = index.searcher()
        query, scored = queries.query(schema, searcher, facets_known, c)
        if query is None:
            return SearchResult(ids=[], total=0, facets={})
        # The total and facet counts do not depend on the sort or the page:
        # paging and re-sorting a result reuse them for a few seconds.
        key = (self._live[0] if self._live else None, *counts_key(c))
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
                n
                for n in c.facet_names
                if total <= WIDE_FACET_RESULTS
                or queries.facet_key(n, c.section, facets_known) not in wide
            ]
            facets = queries.facet_counts(
                searcher, query, counted, facets_known, c.section
            )
            counts = (total, facets)
            self._counts.put(key, counts)
        return SearchResult(
            ids=[int(i) for i in ids], total=counts[0], facets=counts[1]
        )

    def suggest(self, text: str, limit: int = 8) -> list[dict]:
        """Product names that complete a partial query, best sellers first."""
        words = [t for w in cjk_for_query(words_of(text)) for t in analyze(WORDS, w)]
        words = words[:8]
        if not words:
            return []
        index = self._open()[1]
        schema = index.schema
        clauses = [
            (tantivy.Occur.Must, queries.term(schema, "name_words", word))
            for word in words[:-1]
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
