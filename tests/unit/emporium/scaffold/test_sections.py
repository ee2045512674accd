"""``emporium scaffold section``: what it writes, and the names it refuses
without writing anything."""

from __future__ import annotations

import ast
import glob
import tomllib

import pytest
from click.testing import CliRunner

from emporium.cli import main
from emporium.scaffold.sections import TEMPLATE, supported_cores


def scaffold(*args):
    return CliRunner().invoke(main, ["scaffold", "section", *map(str, args)])


def written(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_section_distribution_is_written(tmp_path):
    result = scaffold("music", "--into", tmp_path, "--title", "Music & Records")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "emporium-music"
    assert f"wrote {folder}" in result.output
    assert "pip install -e" in result.output
    files = written(folder)
    for expected in (
        "pyproject.toml",
        "README.md",
        "emporium_music/__init__.py",
        "emporium_music/models.py",
        "emporium_music/demo.py",
        "emporium_music/migrations/0001_music.py",
        "emporium_music/templates/section.pt",
        "emporium_music/templates/product.pt",
        "emporium_music/static/section.css",
        "emporium_music/themes/default/templates/music_banner.pt",
        "tests/conftest.py",
        "tests/test_music.py",
    ):
        assert expected in files
    for name in files:
        text = (folder / name).read_text()
        assert "cookiecutter" not in text and "{{" not in text, name
        if name.endswith(".py"):
            ast.parse(text, name)
    project = tomllib.loads((folder / "pyproject.toml").read_text())
    assert project["project"]["name"] == "emporium-music"
    assert project["project"]["entry-points"]["emporium.plugins"] == {
        "music": "emporium_music"
    }
    init = (folder / "emporium_music/__init__.py").read_text()
    assert 'title="Music & Records"' in init
    assert 'SECTION = "music"' in init
    assert (
        'revision = "music_0001"'
        in (folder / "emporium_music/migrations/0001_music.py").read_text()
    )


def test_the_title_defaults_to_the_name(tmp_path):
    assert scaffold("board_games", "--into", tmp_path).exit_code == 0
    folder = tmp_path / "emporium-board-games"
    assert (
        'title="Board Games"'
        in (folder / "emporium_board_games/__init__.py").read_text()
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Music", "is not a section name"),
        ("2music", "is not a section name"),
        ("music-shop", "is not a section name"),
        ("class", "is not a section name"),
        ("", "is not a section name"),
        ("x" * 41, "is not a section name"),
        ("cart", "a plugin named 'cart' is installed already"),
        ("bookstore", "a plugin named 'bookstore' is installed already"),
        ("search", "a path the store itself uses"),
    ],
)
def test_a_bad_name_is_refused_and_nothing_written(tmp_path, name, message):
    into = tmp_path / "out"
    result = scaffold(name, "--into", into)
    assert result.exit_code == 2
    assert "Invalid value for NAME" in result.output
    assert message in result.output
    assert not into.exists()


def test_a_name_whose_package_is_installed_is_refused(tmp_path, monkeypatch):
    (tmp_path / "emporium_trains").mkdir()
    (tmp_path / "emporium_trains" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = scaffold("trains", "--into", tmp_path / "out")
    assert result.exit_code == 2
    assert "a package named emporium_trains is installed already" in result.output
    assert not (tmp_path / "out").exists()


def test_an_existing_folder_is_left_alone(tmp_path):
    folder = tmp_path / "emporium-music"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep")
    result = scaffold("music", "--into", tmp_path)
    assert result.exit_code == 2
    assert f"{folder} exists already: nothing written" in result.output
    assert written(folder) == ["mine.txt"]


def test_into_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("")
    result = scaffold("music", "--into", tmp_path / "file")
    assert result.exit_code == 2
    assert "is not a folder" in result.output


def test_the_template_is_package_data():
    """Every template file is matched by the package data the wheel ships
    (pyproject.toml, globbed as setuptools globs), so an installed Emporium
    scaffolds too."""
    project = tomllib.loads((TEMPLATE.parents[3] / "pyproject.toml").read_text())
    package = TEMPLATE.parent.parent
    shipped = {
        found
        for pattern in project["tool"]["setuptools"]["package-data"]["*"]
        for found in glob.glob(pattern, root_dir=package, recursive=True)
    }
    files = {
        str(path.relative_to(package))
        for path in TEMPLATE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert files - shipped == set()


def test_supported_cores_run_to_the_next_major_version():
    assert supported_cores("0.1.0") == ">=0.1,<1"
    assert supported_cores("2.3") == ">=2.3,<3"
