"""``IProductWriter``, the one write path of products: the registered
writer provides the interface, saves what changed with an audit entry, and
takes stock only when there is enough."""

from __future__ import annotations

from sqlalchemy import select
from zope.interface.verify import verifyObject

from emporium.audit import AuditEntry
from emporium.sections import get_section
from emporium_catalog.interfaces import IProductWriter
from emporium_catalog.models import Product


def writer_of(app_config):
    return app_config.registry.getUtility(IProductWriter)


def test_the_application_registers_a_writer(app_config):
    assert verifyObject(IProductWriter, writer_of(app_config))


def test_a_save_creates_then_changes_only_what_differs(app_config):
    writer = writer_of(app_config)
    store = get_section(app_config.registry, "store")
    dbsession_factory = app_config.registry["dbsession_factory"]
    errors: dict = {}
    values, details = writer.parse(
        store,
        {"sku": "WRITE-1", "name": "Writer kite", "price": "3.00"},
        {},
        {},
        errors,
    )
    assert errors == {}
    with dbsession_factory() as dbsession, dbsession.begin():
        product, changes = writer.save(dbsession, None, store, values, details, "t")
        assert changes["sku"] == [None, "WRITE-1"]
        ident = product.id
    with dbsession_factory() as dbsession, dbsession.begin():
        product = dbsession.get(Product, ident)
        _, changes = writer.save(
            dbsession, product, store, values | {"price_minor": 250}, {}, "t"
        )
        assert changes == {"price_minor": [300, 250]}
        assert writer.check(dbsession, store, values, {}, None, errors) is None
        assert errors == {"sku": f"product {ident} already has this SKU"}
        actions = dbsession.scalars(
            select(AuditEntry.action).where(AuditEntry.target == f"product:{ident}")
        )
        assert [a for a in sorted(actions) if a.startswith("product.")] == [
            "product.create",
            "product.update",
        ]


def test_stock_is_taken_only_when_there_is_enough(app_config):
    writer = writer_of(app_config)
    dbsession_factory = app_config.registry["dbsession_factory"]
    with dbsession_factory() as dbsession:
        product = dbsession.scalar(select(Product).where(Product.stock >= 2).limit(1))
        ident, stock = product.id, product.stock
        assert writer.take_stock(dbsession, ident, stock + 1) is False
        assert writer.take_stock(dbsession, ident, 2) is True
        dbsession.rollback()
    with dbsession_factory() as dbsession:
        assert writer.products(dbsession, [ident])[ident].stock == stock
        assert writer.products(dbsession, []) == {}


def test_a_unique_value_of_another_product_is_a_clash_named_by_its_field(app_config):
    from emporium_bookstore.models import BookDetails

    writer = writer_of(app_config)
    books = get_section(app_config.registry, "books")
    with app_config.registry["dbsession_factory"]() as dbsession:
        owner, isbn = dbsession.execute(
            select(BookDetails.product_id, BookDetails.isbn).limit(1)
        ).one()
        errors: dict = {}
        writer.check(dbsession, books, {}, {"isbn": isbn}, None, errors, "detail.")
        assert errors.pop("detail.isbn") == f"product {owner} already has this value"
        # A new product's details row needs the fields its table requires.
        assert set(errors.values()) <= {"is required"}
        errors.clear()
        writer.check(dbsession, books, {}, {"isbn": isbn}, owner, errors, "detail.")
        assert errors == {}
