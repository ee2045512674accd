"""Keeping the index in step with the database: the full rebuild behind
``emporium reindex`` and the incremental updates after each commit.

Product ids are collected on flush and handed to the indexer after commit
(nothing for a rolled-back transaction); a background thread applies them
in small batches, so that saving a product or placing an order never waits
for the index.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, ColumnElement
from zope.interface import implementer

from emporium.search import engine
from emporium.search.interfaces import ISearchDocuments, ISearchIndexer
from emporium.sections import get_sections

log = logging.getLogger(__name__)

_SESSION_KEY = "emporium.search.changed"
_COALESCE = 0.2


def documents_source(registry) -> ISearchDocuments:
    source = registry.queryUtility(ISearchDocuments)
    if source is None:
        raise LookupError("no enabled plugin provides search documents (catalog)")
    return source


def index_facets(registry) -> list[str]:
    """The facets the index holds: every section's, by its index name."""
    keys = [k for s in get_sections(registry) for k in s.facet_keys().values()]
    return list(dict.fromkeys(keys))


def with_facets(registry, batches: Iterable[list[dict]]) -> Iterator[list[dict]]:
    """Documents with their facet values by index name (``facets``), so
    that a section's facet never takes another section's field of the same
    name."""
    keys = {s.name: s.facet_keys() for s in get_sections(registry)}
    for batch in batches:
        for doc in batch:
            fields = doc.get("fields") or {}
            own = keys.get(doc.get("section"), {})
            doc["facets"] = {key: fields.get(name) for name, key in own.items()}
        yield batch


def _read(registry, dbsession, ids=None) -> list[dict]:
    source = documents_source(registry)
    return [
        d
        for batch in with_facets(registry, source.documents(dbsession, ids))
        for d in batch
    ]


def rebuild(
    registry,
    directory: str,
    progress: Callable[[int], None] = lambda n: None,
    on_total: Callable[[int], None] = lambda n: None,
) -> tuple[str, int]:
    """Build a new generation of the index from the database beside the live
    one, catch up on products saved meanwhile, and swap it in."""
    source = documents_source(registry)
    engine_ = registry["db.engine"]
    facets = index_facets(registry)
    folder_set = engine.IndexDirectory(directory)
    folder = folder_set.new_generation()
    # A little slack for clocks of other writers.
    started = datetime.now(UTC) - timedelta(seconds=2)
    try:
        index = engine.create_index(folder, facets)
        with Session(engine_) as dbsession:
            on_total(source.count(dbsession))
            count = engine.write_documents(
                index,
                folder,
                facets,
                with_facets(registry, source.documents(dbsession)),
                progress,
            )
        with Session(engine_) as dbsession:
            changed = source.changed_since(dbsession, started)
        _apply(index, facets, registry, changed)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    folder_set.swap(folder)
    # Saved between the catch-up and the swap: apply to the live index.
    with Session(engine_) as dbsession:
        late = source.changed_since(dbsession, started)
    if late:
        apply_changes(registry, engine.SearchIndex(directory), late)
    return folder, count


def _apply(index, facets, registry, ids) -> None:
    if not ids:
        return
    with Session(registry["db.engine"]) as dbsession:
        documents = _read(registry, dbsession, ids)
    found = {d["id"] for d in documents}
    engine.apply_to_index(index, facets, documents, set(ids) - found)


def apply_changes(registry, search_index: engine.SearchIndex, ids) -> int:
    """Re-read ``ids`` from the database into the live index."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return 0
    with Session(registry["db.engine"]) as dbsession:
        documents = _read(registry, dbsession, ids)
    found = {d["id"] for d in documents}
    search_index.apply(documents, set(ids) - found)
    return len(ids)


@implementer(ISearchIndexer)
class BackgroundIndexer:
    """Applies queued product ids with ``update(ids)`` on one thread."""

    def __init__(self, update: Callable[[list[int]], None]) -> None:
        self._update = update
        self._queue: queue.Queue[list[int]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending = 0
        self._idle = threading.Condition(self._lock)

    @property
    def pending(self) -> int:
        return self._pending

    def enqueue(self, product_ids) -> None:
        ids = [int(i) for i in product_ids]
        if not ids:
            return
        with self._lock:
            self._pending += len(ids)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="search-indexer", daemon=True
                )
                self._thread.start()
        self._queue.put(ids)

    def drain(self, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def _run(self) -> None:
        while True:
            ids = self._queue.get()
            time.sleep(_COALESCE)  # let a burst of saves arrive as one batch
            while True:
                try:
                    ids.extend(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._update(sorted(set(ids)))
            except Exception:
                # Logged, never raised: the next rebuild repairs the index.
                log.exception("search index update of %d products failed", len(ids))
            with self._idle:
                self._pending = max(0, self._pending - len(ids))
                self._idle.notify_all()


def ids_in_where(clause, columns) -> set[int]:
    """Product ids a WHERE clause pins: ``column == value`` and
    ``column IN (...)`` on one of ``columns``, anywhere in the clause."""
    if clause is None:
        return set()
    found: set[int] = set()
    for element in visitors.iterate(clause):
        if not isinstance(element, BinaryExpression):
            continue
        if element.operator not in (operators.eq, operators.in_op):
            continue
        left, right = element.left, element.right
        if not any(
            isinstance(left, ColumnElement) and left.compare(c) for c in columns
        ):
            continue
        if isinstance(right, BindParameter):
            value = right.effective_value
            values = value if isinstance(value, list | tuple | set) else [value]
            found.update(int(v) for v in values if isinstance(v, int))
    return found


def listen(session_factory, registry) -> None:
    """Collect changed product ids on flush, enqueue them after commit."""

    def after_flush(session, flush_context) -> None:
        source = registry.queryUtility(ISearchDocuments)
        if source is None:
            return
        changed = session.info.setdefault(_SESSION_KEY, set())
        for instance in (*session.new, *session.dirty, *session.deleted):
            changed.update(source.product_ids(instance))

    def after_commit(session) -> None:
        changed = session.info.pop(_SESSION_KEY, None)
        if changed:
            indexer = registry.queryUtility(ISearchIndexer)
            if indexer is not None:
                indexer.enqueue(changed)

    def do_orm_execute(state) -> None:
        # UPDATE and DELETE statements (a checkout taking stock) change rows
        # without flushing objects: read the ids from their WHERE clause.
        if not (state.is_update or state.is_delete):
            return
        source = registry.queryUtility(ISearchDocuments)
        columns = getattr(source, "product_id_columns", None)
        if columns is None:
            return
        found = ids_in_where(getattr(state.statement, "whereclause", None), columns())
        if found:
            state.session.info.setdefault(_SESSION_KEY, set()).update(found)

    event.listen(session_factory, "do_orm_execute", do_orm_execute)
    event.listen(session_factory, "after_flush", after_flush)
    event.listen(session_factory, "after_commit", after_commit)

    def after_soft_rollback(session, previous_transaction) -> None:
        if previous_transaction.parent is None:
            session.info.pop(_SESSION_KEY, None)

    event.listen(session_factory, "after_soft_rollback", after_soft_rollback)
