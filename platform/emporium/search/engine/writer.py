"""Writing documents: a new generation all at once, or changes to the live
one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import tantivy

from emporium.search.engine.documents import FACET_PREFIX, to_document
from emporium.search.engine.generations import read_meta, write_meta
from emporium.search.engine.memory import release_freed_memory

WRITER_LOCK_WAIT = 10.0
# A facet with more distinct values than this (an author) is counted only
# over small results (``emporium.search.engine.index.WIDE_FACET_RESULTS``):
# its count costs in proportion to its distinct values.
WIDE_FACET = 1000


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
    meta = read_meta(folder)
    meta["wide_facets"] = [n for n, seen in values.items() if len(seen) > WIDE_FACET]
    meta["documents"] = count
    write_meta(folder, meta)
    return count


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
    finally:
        del writer
        release_freed_memory()
    index.reload()
