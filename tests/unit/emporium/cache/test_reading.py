"""``CachedReads``: a service reading through the object cache is built
from the application's own cache and database."""

from __future__ import annotations

from emporium.cache.interfaces import IObjectCache
from emporium.cache.reading import CachedReads
from emporium.interfaces import IProductCatalog


def test_a_service_of_the_application_reads_its_cache_and_database(app_config):
    registry = app_config.registry
    service = CachedReads.of(registry)
    assert service.cache is registry.getUtility(IObjectCache)
    assert service.registry is registry
    assert service.dbsession_factory is registry["dbsession_factory"]
    # The catalog is one: what it misses is read in a session of its own.
    catalog = registry.getUtility(IProductCatalog)
    assert isinstance(catalog, CachedReads)
    with catalog.dbsession_factory() as dbsession:
        assert dbsession.bind is registry["db.engine"]
