"""Emporium's fixtures, a pytest plugin loaded in every project that has
Emporium installed (the ``pytest11`` entry point ``emporium``).

A plugin's tests get an application with its plugin enabled, on a
throwaway, migrated and seeded database: a plugin's ``conftest.py`` names
the plugins with the ``emporium_plugins`` fixture. ``docs/testing.md``
describes every fixture. Heavy imports wait for the first fixture, so that
loading the plugin costs a project that does not use it nothing.
"""

from __future__ import annotations

import pytest

DATABASE_HELP = (
    "database of the emporium_app fixture: sqlite (a throwaway file, the "
    "default), postgresql (a throwaway PostgreSQL server on loopback) or the "
    "URL of a PostgreSQL server on which a throwaway database is made"
)


def pytest_addoption(parser) -> None:
    group = parser.getgroup("emporium", "Emporium's testing kit")
    group.addoption(
        "--emporium-database",
        dest="emporium_database",
        default="sqlite",
        metavar="sqlite|postgresql|URL",
        help=DATABASE_HELP,
    )


@pytest.fixture(scope="session")
def emporium_plugins() -> str:
    """The ``emporium.plugins`` setting: override it in a conftest.py."""
    from emporium.testing.app import DEFAULT_PLUGINS

    return DEFAULT_PLUGINS


@pytest.fixture(scope="session")
def emporium_postgresql():
    """The URL of a throwaway PostgreSQL server, for the whole run."""
    from emporium.testing.servers import postgresql_server

    with postgresql_server() as url:
        yield url


@pytest.fixture(scope="session")
def emporium_database_url(request, tmp_path_factory) -> str:
    """An empty database, as ``--emporium-database`` asks."""
    from emporium.testing.databases import fresh_database

    return fresh_database(
        request, request.config.getoption("emporium_database"), tmp_path_factory
    )


@pytest.fixture(scope="session")
def emporium_settings(emporium_database_url, emporium_plugins) -> dict:
    """The application's settings (``emporium.testing.make_settings``)."""
    from emporium.testing.app import make_settings

    return make_settings(
        emporium_database_url, **{"emporium.plugins": emporium_plugins}
    )


@pytest.fixture(scope="session")
def emporium_seed_products() -> int:
    """How many demo products the seeders make (``emporium seed
    --products``); fewer make a quicker start."""
    from emporium.testing.app import SEED_PRODUCTS

    return SEED_PRODUCTS


@pytest.fixture(scope="session")
def emporium_database(emporium_settings, emporium_seed_products) -> int:
    """Migrate the database (every enabled plugin) and seed every section;
    the highest product id seeded."""
    from emporium.testing.app import build_database
    from emporium.testing.products import last_product_id

    config = build_database(emporium_settings, emporium_seed_products)
    engine = config.registry["db.engine"]
    try:
        return last_product_id(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def emporium_config(emporium_settings, emporium_database):
    """The application's committed Configurator (its ``registry``)."""
    from emporium.config import configure

    config = configure(dict(emporium_settings))
    config.commit()
    return config


@pytest.fixture(scope="session")
def emporium_app(emporium_config):
    """The WSGI application on the migrated and seeded database."""
    return emporium_config.make_wsgi_app()


@pytest.fixture
def webapp(emporium_app):
    """A ``StoreClient`` (a ``webtest.TestApp``) with a fresh cookie jar."""
    from emporium.testing.client import StoreClient

    return StoreClient(emporium_app)


@pytest.fixture(scope="session")
def seeded_catalog(emporium_config, emporium_database):
    """The seeded products, by section (``skus(section)``, ``product(sku)``)."""
    from emporium.testing.catalog import SeededCatalog

    return SeededCatalog.load(emporium_config.registry["db.engine"], emporium_database)


@pytest.fixture(scope="session")
def search_index(emporium_app):
    """The search index, built from the seeded database as ``emporium
    reindex`` builds it: a test of search asks for it."""
    from emporium.search import indexing
    from emporium.search.services import index_directory

    registry = emporium_app.registry
    indexing.rebuild(registry, index_directory(registry.settings))


@pytest.fixture
def recording_purger(emporium_config):
    """What the application purges during the test (``urls``, ``keys``,
    ``prefixes``); purges still go to the application's own purger."""
    from emporium.testing.recording import RecordingPurger

    recording = RecordingPurger.install(emporium_config.registry)
    recording.clear()
    yield recording
    recording.clear()


@pytest.fixture
def object_cache(emporium_config):
    """The application's object cache (``IObjectCache``)."""
    from emporium.cache.interfaces import IObjectCache

    return emporium_config.registry.getUtility(IObjectCache)
