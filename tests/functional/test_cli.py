"""The ``emporium`` command on a throwaway .ini."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select

from emporium.cli import main
from emporium_bookstore.models import BookDetails, isbn13
from emporium_catalog.models import Product
from tests.conftest import ROOT

INI = """\
[app:main]
use = egg:emporium
sqlalchemy.url = sqlite:///%(here)s/cli.sqlite
emporium.plugins = {plugins}
emporium.themes.directories = {themes}
emporium.session.secret = cli-test-key

[alembic]
script_location = {migrations}
"""


@pytest.fixture
def ini(tmp_path) -> Path:
    path = tmp_path / "test.ini"
    path.write_text(
        INI.format(
            plugins="catalog bookstore videogames",
            themes=ROOT / "themes",
            migrations=ROOT / "migrations",
        )
    )
    return path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_migrate_then_seed(ini):
    result = run("migrate", ini)
    assert result.exit_code == 0, result.output
    assert "emporium: core_" in result.output
    assert "emporium_catalog: catalog_" in result.output
    assert "empty" not in result.output
    assert (
        "section 'books' has facets (author, age_range, format): "
        f"run emporium reindex {ini}"
    ) in result.output
    # Nothing moved the second time: nothing to suggest.
    assert "reindex" not in run("migrate", ini).output

    result = run("seed", ini, "--products", 300, "--random-seed", 1)
    assert result.exit_code == 0, result.output
    assert "seeded 300 products" in result.output
    assert "products/s" in result.output

    engine = create_engine(f"sqlite:///{ini.parent / 'cli.sqlite'}")
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Product)) == 300
        by_section = dict(
            connection.execute(
                select(Product.section, func.count()).group_by(Product.section)
            ).all()
        )
        assert by_section == {"store": 100, "books": 100, "videogames": 100}
        assert connection.scalar(select(func.count()).select_from(BookDetails)) == 100

    result = run("seed", ini, "--products", 50, "--if-empty")
    assert result.exit_code == 0
    assert "nothing seeded" in result.output
    result = run("seed", ini, "--products", 50)
    assert "seeded 50 products" in result.output


def test_a_missing_ini_is_named(tmp_path):
    result = run("seed", tmp_path / "nope.ini")
    assert result.exit_code == 2
    assert "nope.ini" in result.output


def test_a_negative_count_is_refused(ini):
    result = run("seed", ini, "--products", -5)
    assert result.exit_code == 2
    assert "--products" in result.output


def test_a_missing_plugin_is_named(tmp_path):
    path = tmp_path / "bad.ini"
    path.write_text(
        INI.format(plugins="catalog nosuch", themes=ROOT / "themes", migrations="x")
    )
    result = run("migrate", path)
    assert result.exit_code == 1
    assert "'nosuch'" in result.output


def test_isbn13_check_digit():
    # 978-0-306-40615-7 is the textbook example.
    assert isbn13(30640615) == "9780306406157"


def test_an_ini_anywhere_migrates_with_the_installed_environment(tmp_path):
    """No [alembic] section: the environment installed with Emporium runs."""
    path = tmp_path / "elsewhere.ini"
    text = INI.format(plugins="catalog", themes=ROOT / "themes", migrations="")
    path.write_text(text.split("[alembic]")[0])
    result = run("migrate", path)
    assert result.exit_code == 0, result.output
    assert "emporium_catalog: catalog_" in result.output


def test_a_script_location_without_an_environment_is_named(tmp_path):
    path = tmp_path / "old.ini"
    path.write_text(
        INI.format(plugins="catalog", themes=ROOT / "themes", migrations=tmp_path)
    )
    result = run("migrate", path)
    assert result.exit_code == 1
    assert f"script_location {tmp_path} holds no env.py" in result.output


def test_a_database_in_a_folder_that_does_not_exist_is_named(tmp_path):
    path = tmp_path / "fresh.ini"
    text = INI.format(plugins="catalog", themes=ROOT / "themes", migrations="")
    text = text.split("[alembic]")[0]
    path.write_text(text.replace("%(here)s/cli.sqlite", "%(here)s/var/cli.sqlite"))
    for command in (["migrate", path], ["seed", path, "--products", 5]):
        result = run(*command)
        assert result.exit_code == 1, result.output
        assert (
            f"Error: the database sqlite:///{tmp_path}/var/cli.sqlite"
            f" (sqlalchemy.url in {path}) failed: unable to open database"
            f" file (the folder {tmp_path / 'var'} does not exist)"
        ) in result.output
    assert not (tmp_path / "var").exists()


def test_seed_one_section(ini):
    assert run("migrate", ini).exit_code == 0
    result = run("seed", ini, "--products", 20, "--section", "books")
    assert result.exit_code == 0, result.output
    engine = create_engine(f"sqlite:///{ini.parent / 'cli.sqlite'}")
    with engine.connect() as connection:
        sections = connection.scalars(select(Product.section).distinct()).all()
        assert sections == ["books"]
        assert connection.scalar(select(func.count()).select_from(BookDetails)) == 20
    engine.dispose()
    result = run("seed", ini, "--products", 5, "--section", "music")
    assert result.exit_code == 2
    assert "no section 'music' (sections: store, books, videogames)" in result.output
