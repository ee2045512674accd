"""A plugin's lifecycle from the command line: what is enabled and migrated,
one plugin's tables removed and nothing else, requirements refused."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import webtest
from sqlalchemy import create_engine, inspect, text

from emporium.cli.bootstrap import load
from emporium.config import configure
from emporium.errors import PluginError
from emporium.plugins import check_requirements
from tests.conftest import make_settings
from tests.functional import test_cli

# The same throwaway .ini (catalog, bookstore, videogames) as test_cli's.
ini = test_cli.ini
run = test_cli.run


def tables(ini) -> set[str]:
    engine = create_engine(f"sqlite:///{ini.parent / 'cli.sqlite'}")
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_plugins_lists_versions_extension_points_and_migration_state(ini):
    before = run("plugins", ini)
    assert before.exit_code == 0, before.output
    assert "bookstore 0.1.0 (enabled, emporium_bookstore)" in before.output
    assert "not migrated (head bookstore_0001): emporium migrate" in before.output
    assert "cart (installed, not enabled, emporium_cart)" in before.output
    run("migrate", ini)
    after = run("plugins", ini).output
    lines = after.splitlines()
    bookstore = lines.index("bookstore 0.1.0 (enabled, emporium_bookstore)")
    assert lines[bookstore + 1] == "  uses: add_migrations, add_store_section"
    assert lines[bookstore + 2] == "  schema: at head bookstore_0001"
    assert "core: at head core_" in after


def test_downgrading_one_plugin_removes_its_tables_and_nothing_else(ini):
    assert run("migrate", ini).exit_code == 0
    everything = tables(ini)
    assert {"book_details", "users", "sessions", "audit_log"} <= everything

    result = run("migrate", ini, "--plugin", "bookstore", "--downgrade")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == ["emporium_bookstore: empty"]
    # Its version table goes too: nothing of the plugin is left.
    assert everything - tables(ini) == {
        "book_details",
        "alembic_version_emporium_bookstore",
    }

    # Migrating again brings them back.
    assert run("migrate", ini).exit_code == 0
    assert tables(ini) == everything


def test_a_plugin_others_require_keeps_its_tables(ini):
    run("migrate", ini)
    result = run("migrate", ini, "--plugin", "catalog", "--downgrade")
    assert result.exit_code == 1
    assert "catalog is required by bookstore, videogames" in result.output
    assert "products" in tables(ini)


def test_an_unknown_plugin_is_named(ini):
    result = run("migrate", ini, "--plugin", "music", "--downgrade")
    assert result.exit_code == 2
    assert "'music' is no enabled plugin with migrations" in result.output
    assert "bookstore" in result.output


def test_a_missing_requirement_stops_start_up_naming_the_plugin():
    settings = make_settings("sqlite://", **{"emporium.plugins": "bookstore catalog"})
    with pytest.raises(PluginError) as error:
        configure(settings)
    assert str(error.value).startswith(
        "plugin 'bookstore' requires plugin 'catalog', enabled before it"
    )


def test_an_unsupported_core_is_refused_naming_the_plugin():
    old = SimpleNamespace(CORE_VERSIONS=">=7,<8")
    with pytest.raises(PluginError, match="plugin 'music' supports Emporium >=7,<8"):
        check_requirements("music", old, [])
    check_requirements("music", SimpleNamespace(CORE_VERSIONS=">=0.1"), [])
    with pytest.raises(PluginError, match="not a version specifier"):
        check_requirements("music", SimpleNamespace(CORE_VERSIONS="new"), [])


def test_a_plugin_whose_tables_were_remade_never_shows_cached_values(ini, tmp_path):
    """Downgrade and upgrade re-create the section's tables: the host-local
    cache store still holding the old fields is invalidated by migrate."""
    with open(ini, "a") as handle:
        handle.write(f"cache.local.arguments.path = {tmp_path / 'objects'}\n")
    assert run("migrate", ini).exit_code == 0
    assert run("seed", ini, "--products", 30, "--random-seed", 3).exit_code == 0
    engine = create_engine(f"sqlite:///{ini.parent / 'cli.sqlite'}")
    with engine.begin() as connection:
        game = connection.scalar(
            text("SELECT product_id FROM videogame_details ORDER BY product_id")
        )
        connection.execute(text("UPDATE videogame_details SET genre = 'Old Genre'"))

    def page():
        app = webtest.TestApp(load(str(ini)).config.make_wsgi_app())
        return app.get(f"/products/{game}").text

    assert "Old Genre" in page()  # now in the host-local store

    assert run("migrate", ini, "--plugin", "videogames", "--downgrade").exit_code == 0
    assert run("migrate", ini).exit_code == 0
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO videogame_details (product_id, platform, "
                "content_rating, genre) VALUES (:id, 'PC', 'E', 'New Genre')"
            ),
            {"id": game},
        )
    engine.dispose()
    shown = page()
    assert "New Genre" in shown
    assert "Old Genre" not in shown
