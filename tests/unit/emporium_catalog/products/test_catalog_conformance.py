"""``IProductCatalog``: what every implementation provides, checked against
the seeded SQLite catalog, and run here against the cached façade."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from zope.interface.verify import verifyClass, verifyObject

from emporium.cache.memory import MemoryBackend
from emporium.cache.services import ObjectCache, make_object_region
from emporium.interfaces import IProductCatalog
from emporium_catalog.models import Category, Product
from emporium_catalog.products import ProductCatalog


class ProductCatalogConformance:
    """Subclasses provide a ``catalog`` fixture reading the seeded database."""

    def test_provides_the_interface(self, catalog):
        assert verifyObject(IProductCatalog, catalog)

    def test_best_sellers_and_categories_are_those_of_the_database(
        self, catalog, dbsession
    ):
        best = dbsession.scalars(
            select(Product.id)
            .where(Product.section == "store")
            .order_by(Product.best_seller_rank, Product.id)
            .limit(5)
        )
        assert [view.id for view in catalog.top_in_section("store", 5)] == list(best)
        slugs = dbsession.scalars(
            select(Category.slug)
            .where(Category.section == "store")
            .order_by(Category.position, Category.name)
        )
        assert [c.slug for c in catalog.categories("store")] == list(slugs)

    def test_an_unknown_product_is_none(self, catalog):
        assert catalog.load(987654321) is None
        assert catalog.product_view(987654321) is None


class TestProductCatalog(ProductCatalogConformance):
    @pytest.fixture
    def catalog(self, app_config, engine):
        cache = ObjectCache(make_object_region([MemoryBackend({})]))
        return ProductCatalog(cache, app_config.registry, lambda: Session(engine))

    def test_the_class_implements_the_interface(self):
        assert verifyClass(IProductCatalog, ProductCatalog)

    def test_the_application_registers_the_facade(self, app_config):
        registered = app_config.registry.getUtility(IProductCatalog)
        assert isinstance(registered, ProductCatalog)
        assert verifyObject(IProductCatalog, registered)
