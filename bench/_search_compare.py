"""The engine comparison behind the choice of tantivy (docs/product-search.md):
SQLite FTS5 against tantivy on the seeded catalog, same documents, same
queries (words, ranked, top 24, with the total and the per-section counts).

    .venv/bin/python bench/_search_compare.py [PRODUCTS]

Not part of ``make bench`` (it builds a second index of the catalog); it
needs the tantivy index that bench/search.py leaves beside the database.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _search_data import seeded_database, settings_for  # noqa: E402

from emporium.config import configure  # noqa: E402
from emporium.search.conditions import SearchConditions  # noqa: E402
from emporium.search.services import LocalSearch  # noqa: E402

WORDS = ["dragon", "castle", "robot", "wizard", "garden", "magic", "golden"]


def build_fts(database: Path) -> tuple[sqlite3.Connection, float]:
    path = database.with_suffix(".fts5.sqlite")
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute(f"ATTACH DATABASE '{database}' AS catalog")
    db.executescript(
        """
        PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
        CREATE VIRTUAL TABLE docs USING fts5(
            name, body, tokenize='porter unicode61 remove_diacritics 2',
            prefix='2 3');
        CREATE TABLE facts(id INTEGER PRIMARY KEY, section TEXT, price INT,
            in_stock INT, rank INT);
        """
    )
    started = time.perf_counter()
    db.executescript(
        """
        INSERT INTO docs(rowid, name, body)
        SELECT p.id, p.name, p.description || ' ' || coalesce(c.name, '') || ' '
               || coalesce(b.author, '') || ' ' || coalesce(v.platform, '') || ' '
               || coalesce(v.genre, '')
        FROM catalog.products p
        LEFT JOIN catalog.categories c ON c.id = p.category_id
        LEFT JOIN catalog.book_details b ON b.product_id = p.id
        LEFT JOIN catalog.videogame_details v ON v.product_id = p.id;
        INSERT INTO facts SELECT id, section, price_minor, stock > 0,
            best_seller_rank FROM catalog.products;
        CREATE INDEX ix_facts_section ON facts(section);
        """
    )
    db.commit()
    return db, time.perf_counter() - started


def fts_query(db: sqlite3.Connection, match: str) -> tuple[list[int], int, list]:
    ids = [
        r[0]
        for r in db.execute(
            "SELECT rowid FROM docs WHERE docs MATCH ? "
            "ORDER BY bm25(docs, 3.0, 1.0) LIMIT 24",
            (match,),
        )
    ]
    total = db.execute(
        "SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)
    ).fetchone()[0]
    facets = db.execute(
        "SELECT f.section, count(*) FROM docs JOIN facts f ON f.id = docs.rowid "
        "WHERE docs MATCH ? GROUP BY f.section",
        (match,),
    ).fetchall()
    return ids, total, facets


def timed(function, queries) -> list[float]:
    for q in queries[:20]:
        function(q)
    times = []
    for q in queries:
        t = time.perf_counter()
        function(q)
        times.append((time.perf_counter() - t) * 1000)
    return times


def p(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    products = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    database = seeded_database(products)
    index = f"{database}.search"
    config = configure(settings_for(database, **{"emporium.search.index": index}))
    config.commit()
    local = LocalSearch(config.registry, index)
    rng = random.Random(3)
    queries = [" ".join(rng.sample(WORDS, rng.choice([1, 1, 2]))) for _ in range(300)]
    db, fts_build = build_fts(database)
    fts = timed(lambda q: fts_query(db, " AND ".join(q.split())), queries)
    tv = timed(
        lambda q: local.search(SearchConditions(words=q, facet_names=("section",))),
        queries,
    )
    print(f"products: {products}")
    print(f"fts5_index_seconds: {fts_build:.1f}")
    print(f"fts5_query_p50_ms: {statistics.median(fts):.2f}")
    print(f"fts5_query_p99_ms: {p(fts, 0.99):.2f}")
    print(f"tantivy_query_p50_ms: {statistics.median(tv):.2f}")
    print(f"tantivy_query_p99_ms: {p(tv, 0.99):.2f}")
    ratio = statistics.median(fts) / statistics.median(tv)
    print(f"fts5_over_tantivy_p50_ratio: {ratio:.1f}")
    # What each finds for a stem, a prefix and a typo.
    for label, query, fts_match in (
        ("stem", "running", "running"),
        ("prefix", "drag", "drag*"),
        ("typo", "dargon", "dargon"),
    ):
        fts_total = fts_query(db, fts_match)[1]
        tv_total = local.search(SearchConditions(words=query)).total
        print(f"fts5_{label}_{query}_matches: {fts_total}")
        print(f"tantivy_{label}_{query}_matches: {tv_total}")
    db.close()


if __name__ == "__main__":
    main()
