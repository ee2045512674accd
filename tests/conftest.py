"""Fixtures shared by every suite: settings, a migrated and seeded database,
and the WSGI application."""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path

import pytest
import webtest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from emporium import migrations
from emporium.config import configure
from emporium.seeding import get_seeders
from tests.services import postgresql_server

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_LOCATION = str(ROOT / "migrations")
SEED_PRODUCTS = 240
SEED = 20261126


def make_settings(database_url: str, **overrides) -> dict:
    settings = {
        "here": str(ROOT),
        "sqlalchemy.url": database_url,
        "emporium.plugins": "catalog bookstore videogames cart admin content",
        "emporium.themes.directories": str(ROOT / "themes"),
        "emporium.themes.hosts": "partner.localhost = partner",
        "pyramid.reload_templates": "false",
        # Each app gets its own host-local cache store, never the repository's.
        "cache.local.arguments.path": tempfile.mkdtemp(prefix="emporium-cache-"),
        # And its own media store (uploaded photos).
        "emporium.media.directory": tempfile.mkdtemp(prefix="emporium-media-"),
        "retry.attempts": "3",
        "emporium.session.secret": "test-session-key-1 test-session-key-old",
        "emporium.tokens.secret": "test-token-key-1 test-token-key-old",
        # Throttling has tests of its own, with low limits.
        "emporium.throttle.enabled": "false",
        # Purges are sent once, so that tests can count them (test_varnish
        # turns the second purge on).
        "emporium.purge.repeat_after": "0",
        "emporium.api.strict_responses": "true",
        # Fast hashing in tests; production keeps Argon2's defaults.
        "emporium.passwords.time_cost": "1",
        "emporium.passwords.memory_cost": "1024",
    }
    settings.update(overrides)
    return settings


def build_database(settings: dict, products: int = SEED_PRODUCTS):
    """Migrate a fresh database to head and seed a repeatable catalog."""
    config = configure(dict(settings))
    config.commit()
    registry = config.registry
    engine = registry["db.engine"]
    migrations.upgrade(engine, migrations.migration_units(registry), SCRIPT_LOCATION)
    if products:
        with Session(engine) as dbsession:
            for seeder in get_seeders(registry):
                seeder.seed(dbsession, products, seed=SEED)
    return config


def pytest_generate_tests(metafunc):
    """A test module lists ``DATABASES = ("sqlite", "postgresql")`` to run on
    both; the rest run on SQLite."""
    if "database_backend" in metafunc.fixturenames:
        backends = getattr(metafunc.module, "DATABASES", ("sqlite",))
        metafunc.parametrize("database_backend", backends, scope="session")


@pytest.fixture(scope="session")
def postgresql_url():
    """A throwaway PostgreSQL server for the whole run."""
    with postgresql_server() as url:
        yield url


_databases = itertools.count(1)


def fresh_database(request, backend: str, tmp_path_factory) -> str:
    """A new, empty database on ``backend``; returns its URL."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "emporium.sqlite"
        return f"sqlite:///{path}"
    server = request.getfixturevalue("postgresql_url")
    name = f"emporium_{next(_databases)}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def database_url(request, database_backend, tmp_path_factory) -> str:
    return fresh_database(request, database_backend, tmp_path_factory)


@pytest.fixture(scope="session")
def app_settings(database_url) -> dict:
    settings = make_settings(database_url)
    build_database(settings)
    return settings


@pytest.fixture(scope="session")
def app_config(app_settings):
    config = configure(dict(app_settings))
    config.commit()
    return config


@pytest.fixture(scope="session")
def wsgi_app(app_config):
    return app_config.make_wsgi_app()


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
