"""Settings and a built database for an application under test."""

from __future__ import annotations

import tempfile

from sqlalchemy.orm import Session

from emporium import migrations
from emporium.config import configure
from emporium.seeding import get_seeders

# What ships with Emporium: a plugin's conftest names its own list.
DEFAULT_PLUGINS = "catalog bookstore videogames cart admin content"
# Demo products per section, from a fixed seed: every run sees the same ones.
SEED_PRODUCTS = 240
SEED = 20261126


def make_settings(database_url: str, **overrides) -> dict:
    """Settings for an application on ``database_url`` that keeps nothing
    of its own outside temporary folders (object cache, media, search
    index) and is quick to test: fast password hashing, no throttling, one
    purge per change. ``overrides`` replace or add settings (dotted names
    through ``**{"emporium.plugins": "catalog cart music"}``)."""
    settings = {
        "sqlalchemy.url": database_url,
        "emporium.plugins": DEFAULT_PLUGINS,
        "pyramid.reload_templates": "false",
        # Each app gets its own host-local cache store and media store.
        "cache.local.arguments.path": tempfile.mkdtemp(prefix="emporium-cache-"),
        "emporium.media.directory": tempfile.mkdtemp(prefix="emporium-media-"),
        "retry.attempts": "3",
        "emporium.session.secret": "test-session-key-1 test-session-key-old",
        "emporium.tokens.secret": "test-token-key-1 test-token-key-old",
        # Throttling is tested with low limits of its own.
        "emporium.throttle.enabled": "false",
        # Purges are sent once, so that tests can count them.
        "emporium.purge.repeat_after": "0",
        "emporium.api.strict_responses": "true",
        # Fast hashing in tests; production keeps Argon2's defaults.
        "emporium.passwords.time_cost": "1",
        "emporium.passwords.memory_cost": "1024",
    }
    settings.update(overrides)
    # Where the search index and other files would go: never the current folder.
    if "here" not in settings:
        settings["here"] = tempfile.mkdtemp(prefix="emporium-test-")
    return settings


def build_database(settings: dict, products: int = SEED_PRODUCTS):
    """Migrate a fresh database to head (the core and every enabled plugin)
    and seed ``products`` demo products per section from a fixed seed;
    returns the Configurator used."""
    config = configure(dict(settings))
    config.commit()
    registry = config.registry
    engine = registry["db.engine"]
    migrations.upgrade(
        engine, migrations.migration_units(registry), migrations.SCRIPT_LOCATION
    )
    if products:
        with Session(engine) as dbsession:
            for seeder in get_seeders(registry):
                seeder.seed(dbsession, products, seed=SEED)
    return config
