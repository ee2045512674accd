"""``emporium reindex`` on a throwaway .ini."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from emporium.cli import main
from emporium.search.engine import IndexDirectory
from tests.conftest import ROOT

INI = """\
[app:main]
use = egg:emporium
sqlalchemy.url = sqlite:///%(here)s/cli.sqlite
emporium.plugins = catalog bookstore videogames
emporium.themes.directories = {themes}
emporium.session.secret = cli-test-key
emporium.search.index = %(here)s/search-index

[alembic]
script_location = {migrations}
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_reindex_builds_then_swaps(tmp_path: Path):
    ini = tmp_path / "test.ini"
    ini.write_text(INI.format(themes=ROOT / "themes", migrations=ROOT / "migrations"))
    assert run("migrate", ini).exit_code == 0
    assert run("seed", ini, "--products", 300, "--random-seed", 1).exit_code == 0
    directory = IndexDirectory(str(tmp_path / "search-index"))

    result = run("reindex", ini)
    assert result.exit_code == 0, result.output
    assert "indexed 300 products" in result.output
    first = directory.live()
    assert first is not None

    result = run("reindex", ini, "--if-missing")
    assert "already built" in result.output
    assert directory.live() == first

    result = run("reindex", ini)
    assert result.exit_code == 0, result.output
    assert directory.live() != first


def test_reindex_names_a_missing_ini(tmp_path: Path):
    result = CliRunner().invoke(main, ["reindex", str(tmp_path / "nope.ini")])
    assert result.exit_code != 0
    assert "nope.ini" in result.output
