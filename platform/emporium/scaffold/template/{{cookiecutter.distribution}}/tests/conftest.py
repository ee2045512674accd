"""The plugins the tests' store enables: Emporium's testing kit (the
``emporium.testing`` pytest plugin, installed with Emporium) builds a
throwaway database with them, migrated and seeded."""

import pytest


@pytest.fixture(scope="session")
def emporium_plugins() -> str:
    return "catalog cart admin {{ cookiecutter.section }}"


@pytest.fixture(scope="session")
def search_index(emporium_app):
    """The search index, built from the seeded database as ``emporium
    reindex`` builds it: a test of search asks for it."""
    from emporium.search import indexing
    from emporium.search.services import index_directory

    registry = emporium_app.registry
    indexing.rebuild(registry, index_directory(registry.settings))
