"""The catalog's search documents (ISearchDocuments), the batch loader
(IProductLoader) and the background indexer (ISearchIndexer)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy.orm import Session
from zope.interface.verify import verifyObject

from emporium.search.indexing import BackgroundIndexer
from emporium.search.interfaces import IProductLoader, ISearchDocuments, ISearchIndexer
from emporium_bookstore.models import BookDetails
from emporium_catalog.models import Category, Product


def test_documents_carry_the_sections_fields(registry):
    source = registry.getUtility(ISearchDocuments)
    assert verifyObject(ISearchDocuments, source)
    with Session(registry["db.engine"]) as dbsession:
        assert source.count(dbsession) >= 15
        documents = {
            d["id"]: d
            for batch in source.documents(dbsession, batch_size=4)
            for d in batch
        }
        assert list(documents) == sorted(documents)
        book = documents[10]
        assert book["name"] == "The Gruffalo"
        assert book["category"] == "Picture Books"
        assert book["fields"]["author"] == "Julia Donaldson"
        assert book["fields"]["age_range"] == "3–5 years"  # a property of the model
        assert "Julia Donaldson" in book["keywords"]
        assert documents[20]["fields"]["platform"] == "PC"
        assert documents[1]["fields"] == {}
        some = [
            d["id"] for b in source.documents(dbsession, ids=[21, 10, 404]) for d in b
        ]
        assert some == [10, 21]


def test_product_ids_of_saved_objects(registry):
    source = registry.getUtility(ISearchDocuments)
    assert source.product_ids(Product(id=7)) == [7]
    assert source.product_ids(BookDetails(product_id=8)) == [8]
    assert source.product_ids(Category(id=1)) == []
    with Session(registry["db.engine"]) as dbsession:
        assert source.changed_since(dbsession, datetime(2100, 1, 1, tzinfo=UTC)) == []


def test_product_loader_is_registered(registry):
    assert verifyObject(IProductLoader, registry.getUtility(IProductLoader))


def test_background_indexer_batches_and_drains():
    applied: list[list[int]] = []
    release = threading.Event()

    def update(ids):
        release.wait(10)
        applied.append(ids)

    indexer = BackgroundIndexer(update)
    assert verifyObject(ISearchIndexer, indexer)
    indexer.enqueue([3, 1])
    indexer.enqueue([2, 3])
    assert indexer.pending == 4
    assert not indexer.drain(0.05)
    release.set()
    assert indexer.drain(10)
    assert {i for batch in applied for i in batch} == {1, 2, 3}
    assert indexer.pending == 0


def test_a_failing_update_is_logged_not_raised(caplog):
    def update(ids):
        raise RuntimeError("index gone")

    indexer = BackgroundIndexer(update)
    indexer.enqueue([1])
    assert indexer.drain(10)
    assert "search index update of 1 products failed" in caplog.text
