"""Every plugin's history goes up, down and up again on an empty database."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from emporium import migrations
from emporium.config import configure
from tests.conftest import SCRIPT_LOCATION, make_settings

PLUGIN_TABLES = {
    "users",
    "sessions",
    "categories",
    "products",
    "book_details",
    "videogame_details",
    "carts",
    "cart_lines",
    "orders",
    "order_lines",
    "idempotency_keys",
    "content_items",
    "content_versions",
}


def test_upgrade_downgrade_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    config = configure(make_settings(url))
    units = migrations.migration_units(config.registry)
    assert [u.name for u in units] == [
        "emporium",
        "emporium_catalog",
        "emporium_bookstore",
        "emporium_videogames",
        "emporium_cart",
        "emporium_content",
    ]
    engine = create_engine(url)

    def tables():
        return set(inspect(engine).get_table_names())

    migrations.upgrade(engine, units, SCRIPT_LOCATION)
    assert tables() >= PLUGIN_TABLES
    assert all(migrations.current(engine, units).values())

    migrations.downgrade(engine, units, SCRIPT_LOCATION)
    assert not PLUGIN_TABLES & tables()
    assert not any(migrations.current(engine, units).values())

    migrations.upgrade(engine, units, SCRIPT_LOCATION)
    assert tables() >= PLUGIN_TABLES
    # Each plugin keeps its own version table.
    assert {u.version_table for u in units} <= tables()


def test_models_match_the_migrations(tmp_path):
    """The tables the migrations build are the ones the models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from emporium.database import Base

    url = f"sqlite:///{tmp_path / 'compare.sqlite'}"
    config = configure(make_settings(url))
    engine = create_engine(url)
    migrations.upgrade(
        engine, migrations.migration_units(config.registry), SCRIPT_LOCATION
    )
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    version_tables = {
        u.version_table for u in migrations.migration_units(config.registry)
    }
    diff = [
        d for d in diff if not (d[0] == "remove_table" and d[1].name in version_tables)
    ]
    assert diff == []
