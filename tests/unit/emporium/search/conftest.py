from __future__ import annotations

import pytest

from emporium.config import configure
from emporium.search.interfaces import ISearch
from tests.unit.emporium.search import catalog


@pytest.fixture(scope="module")
def search_settings(tmp_path_factory) -> dict:
    return catalog.build(tmp_path_factory.mktemp("search"))


@pytest.fixture(scope="module")
def search_config(search_settings):
    config = configure(dict(search_settings))
    config.commit()
    yield config
    config.registry["db.engine"].dispose()


@pytest.fixture
def registry(search_config):
    return search_config.registry


@pytest.fixture
def search(registry):
    return registry.getUtility(ISearch)
