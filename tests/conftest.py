"""What is particular to Emporium's own suite, on the testing kit's fixtures
(``emporium.testing``, the pytest plugin every project with Emporium
installed gets): the partner host, modules that run on both databases, and
the names the suite has long used for the kit's fixtures."""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import webtest
from sqlalchemy.orm import Session

from emporium import testing
from emporium.testing import build_database  # noqa: F401 (tests import it here)
from emporium.testing.databases import fresh_database

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_LOCATION = str(ROOT / "migrations")
SEED_PRODUCTS = testing.SEED_PRODUCTS
SEED = testing.SEED

# pytester runs the kit's own tests in projects of their own.
pytest_plugins = ["pytester"]
# A virtualenv installed before the kit's entry point existed loads it here.
if "emporium" not in {ep.name for ep in entry_points(group="pytest11")}:
    pytest_plugins.append("emporium.testing.plugin")


def make_settings(database_url: str, **overrides) -> dict:
    """The kit's settings, with the checkout's themes and the partner host."""
    return testing.make_settings(
        database_url,
        **{
            "here": str(ROOT),
            "emporium.themes.directories": str(ROOT / "themes"),
            "emporium.themes.hosts": "partner.localhost = partner",
            **overrides,
        },
    )


def pytest_generate_tests(metafunc):
    """A test module lists ``DATABASES = ("sqlite", "postgresql")`` to run on
    both; the rest run on ``--emporium-database`` (SQLite by default)."""
    if "database_backend" in metafunc.fixturenames:
        default = metafunc.config.getoption("emporium_database")
        backends = getattr(metafunc.module, "DATABASES", (default,))
        metafunc.parametrize("database_backend", backends, scope="session")


@pytest.fixture(scope="session")
def postgresql_url(emporium_postgresql):
    """A throwaway PostgreSQL server for the whole run."""
    return emporium_postgresql


@pytest.fixture(scope="session")
def database_url(request, database_backend, tmp_path_factory) -> str:
    return fresh_database(request, database_backend, tmp_path_factory)


@pytest.fixture(scope="session")
def emporium_database_url(database_url) -> str:
    return database_url


@pytest.fixture(scope="session")
def emporium_settings(emporium_database_url) -> dict:
    return make_settings(emporium_database_url)


@pytest.fixture(scope="session")
def app_settings(emporium_settings, emporium_database) -> dict:
    """The settings, once the database is migrated and seeded."""
    return emporium_settings


@pytest.fixture(scope="session")
def app_config(emporium_config):
    return emporium_config


@pytest.fixture(scope="session")
def wsgi_app(emporium_app):
    return emporium_app


@pytest.fixture
def testapp(wsgi_app) -> webtest.TestApp:
    return webtest.TestApp(wsgi_app, extra_environ={"HTTP_HOST": "localhost:6543"})


@pytest.fixture
def engine(app_config):
    return app_config.registry["db.engine"]


@pytest.fixture
def dbsession(engine):
    with Session(engine) as session:
        yield session


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests leave artefacts (screenshots, reports) for people."""
    path = Path(os.environ.get("EMPORIUM_TEST_OUTPUT", ROOT / "test-output"))
    path.mkdir(parents=True, exist_ok=True)
    return path
