"""Keeping the index in step: saves after commit, nothing on rollback, and
a full rebuild swapped in while queries run."""

from __future__ import annotations

import threading

from sqlalchemy import select, update

from emporium.search import indexing
from emporium.search.conditions import SearchConditions
from emporium.search.interfaces import ISearchIndexer
from emporium.search.services import index_directory
from emporium_bookstore.models import BookDetails
from emporium_catalog.models import Product
from tests.unit.emporium.search.conformance import ids

HANG_GUARD = 60.0


def _session(registry):
    return registry["dbsession_factory"]()


def test_saving_a_product_updates_the_index(registry, search):
    indexer = registry.getUtility(ISearchIndexer)
    with _session(registry) as dbsession:
        product = dbsession.get(Product, 4)
        product.name = "Dragon Kite Supreme"
        product.stock = 0
        dbsession.commit()
    assert indexer.drain(HANG_GUARD)
    assert ids(search, words="supreme") == [4]
    assert 4 not in ids(search, words="kite", in_stock=True)

    with _session(registry) as dbsession:
        product = dbsession.get(Product, 4)
        product.name = "Dragon Kite"
        product.stock = 3
        dbsession.commit()
    assert indexer.drain(HANG_GUARD)
    assert ids(search, words="supreme") == []
    assert ids(search, words="kite", in_stock=True) == [4]


def test_a_section_field_change_updates_the_index(registry, search):
    indexer = registry.getUtility(ISearchIndexer)
    with _session(registry) as dbsession:
        dbsession.get(BookDetails, 13).author = "Quentin Blake"
        dbsession.commit()
    assert indexer.drain(HANG_GUARD)
    assert ids(search, words="blake") == [13]
    with _session(registry) as dbsession:
        dbsession.get(BookDetails, 13).author = "Roald Dahl"
        dbsession.commit()
    assert indexer.drain(HANG_GUARD)
    assert ids(search, words="blake") == []


def test_a_rolled_back_change_touches_nothing(registry, search):
    indexer = registry.getUtility(ISearchIndexer)
    with _session(registry) as dbsession:
        dbsession.get(Product, 5).name = "Rolled Back Name"
        dbsession.flush()
        dbsession.rollback()
    assert indexer.pending == 0
    assert indexer.drain(HANG_GUARD)
    assert ids(search, words="rolled back") == []
    assert ids(search, words="running") == [5]


def test_a_deleted_product_leaves_the_index(registry, search):
    indexer = registry.getUtility(ISearchIndexer)
    with _session(registry) as dbsession:
        dbsession.add(
            Product(
                id=99,
                sku="T-0099",
                section="store",
                category_id=1,
                name="Ephemeral Yoyo",
                price_minor=100,
                stock=1,
            )
        )
        dbsession.commit()
    assert indexer.drain(HANG_GUARD)
    assert ids(search, words="yoyo") == [99]
    with _session(registry) as dbsession:
        dbsession.delete(dbsession.scalar(select(Product).where(Product.id == 99)))
        dbsession.commit()
    assert indexer.drain(HANG_GUARD)
    assert ids(search, words="yoyo") == []


def test_a_swap_while_queries_run(registry, search):
    """Rebuilds swapped in under a steady stream of queries: no query fails
    and none comes back empty."""
    directory = index_directory(registry.settings)
    problems: list[str] = []
    answered = [0]
    stop = threading.Event()

    def query() -> None:
        while not stop.is_set():
            try:
                result = search.search(SearchConditions(words="castle"))
                if result.total != 5 or not result.ids:
                    problems.append(f"got {result.total} results")
                answered[0] += 1
            except Exception as exc:  # noqa: BLE001 - the test reports any failure
                problems.append(repr(exc))

    threads = [threading.Thread(target=query) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        folders = [indexing.rebuild(registry, directory)[0] for _ in range(3)]
    finally:
        stop.set()
        for thread in threads:
            thread.join(HANG_GUARD)
    assert problems == []
    assert answered[0] > 0
    assert search.index.directory.live() == folders[-1]
    assert search.search(SearchConditions(words="castle")).total == 5


def test_an_update_statement_reindexes_the_products_it_pins(registry, search):
    """A checkout takes stock with one conditional UPDATE, no flushed object:
    the product still leaves the in-stock results after commit."""
    indexer = registry.getUtility(ISearchIndexer)
    assert 12 in ids(search, section="books", in_stock=True)
    with _session(registry) as dbsession:
        taken = dbsession.execute(
            update(Product)
            .where(Product.id == 12, Product.stock >= 12)
            .values(stock=Product.stock - 12)
            .execution_options(synchronize_session=False)
        ).rowcount
        assert taken == 1
        dbsession.commit()
    assert indexer.drain(HANG_GUARD)
    assert 12 not in ids(search, section="books", in_stock=True)

    with _session(registry) as dbsession:
        dbsession.execute(update(Product).where(Product.id.in_([12])).values(stock=12))
        dbsession.rollback()
    assert indexer.pending == 0
    with _session(registry) as dbsession:
        dbsession.execute(update(Product).where(Product.id.in_([12])).values(stock=12))
        dbsession.commit()
    assert indexer.drain(HANG_GUARD)
    assert 12 in ids(search, section="books", in_stock=True)


def test_ids_in_where(registry):
    from emporium.search.indexing import ids_in_where
    from emporium.search.interfaces import ISearchDocuments

    columns = registry.getUtility(ISearchDocuments).product_id_columns()
    clause = (Product.id == 7) & (Product.stock >= 1)
    assert ids_in_where(clause, columns) == {7}
    assert ids_in_where(Product.id.in_([1, 2]), columns) == {1, 2}
    assert ids_in_where(BookDetails.product_id == 3, columns) == {3}
    assert ids_in_where(Product.stock == 0, columns) == set()
    assert ids_in_where(None, columns) == set()
