"""The index, on tantivy: its schema, the documents, the queries, and the
generations on disk that let a rebuilt index be swapped in atomically.

On disk, under the index directory::

    gen-<time>-<pid>/   one complete tantivy index and its emporium.json
    current -> gen-...  a symlink, replaced with rename(2) to swap

Readers (the app in-process, or each search-server replica) look at the
symlink on every query and open the new generation when it changes; a
search already running keeps the old one until it ends, so a swap never
shows an error nor an empty result.

``analysis`` turns text into terms, ``documents`` holds the schema,
``generations`` the folders and the swap, ``writer`` the writes,
``queries`` the conditions as queries, ``counts`` the reused totals, and
``index`` the ``SearchIndex`` that answers.
"""

from emporium.search.engine.analysis import (
    cjk_for_index,
    cjk_for_query,
    normalize_title,
)
from emporium.search.engine.documents import (
    FACET_PREFIX,
    build_schema,
    to_document,
    weight,
)
from emporium.search.engine.generations import IndexDirectory, create_index
from emporium.search.engine.index import MAX_OFFSET, SearchIndex
from emporium.search.engine.writer import apply_to_index, open_writer, write_documents

__all__ = [
    "FACET_PREFIX",
    "MAX_OFFSET",
    "IndexDirectory",
    "SearchIndex",
    "apply_to_index",
    "build_schema",
    "cjk_for_index",
    "cjk_for_query",
    "create_index",
    "normalize_title",
    "open_writer",
    "to_document",
    "weight",
    "write_documents",
]
