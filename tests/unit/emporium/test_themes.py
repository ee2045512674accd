from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from emporium.errors import ConfigurationError
from emporium.money import from_minor, to_minor
from emporium.sections import StoreSection
from emporium.themes import (
    BUILTIN_THEMES,
    ThemeLookup,
    format_money,
    parse_host_themes,
    theme_directories,
)


def test_parse_host_themes():
    assert parse_host_themes("\n  A.example = acme\n# note\nb.example=bee\n") == {
        "a.example": "acme",
        "b.example": "bee",
    }
    with pytest.raises(ConfigurationError, match="line 2"):
        parse_host_themes("a = b\njunk")


def test_search_path_order(tmp_path):
    for folder in (
        "acme/sections/books",
        "acme/templates",
        "default/sections/books",
        "default/templates",
        "plugin",
        "package",
    ):
        (tmp_path / folder).mkdir(parents=True)
    lookup = ThemeLookup([str(tmp_path)], host_themes={"acme.test": "acme"})
    section = StoreSection(
        "books", "Books", "/books/", "book", templates=str(tmp_path / "plugin")
    )
    path = lookup.search_path(
        lookup.theme_for_host("ACME.test"), section, str(tmp_path / "package")
    )
    assert [p.removeprefix(str(tmp_path) + "/") for p in path] == [
        "acme/sections/books",
        "acme/templates",
        "default/sections/books",
        "default/templates",
        "plugin",
        "package",
    ]
    assert lookup.theme_for_host("other.test") == "default"


def test_missing_template_is_named(tmp_path):
    (tmp_path / "default" / "templates").mkdir(parents=True)
    templates = ThemeLookup([str(tmp_path)]).templates("default")
    with pytest.raises(LookupError, match="nope.pt"):
        templates["nope.pt"]


def test_money():
    assert from_minor(1999, "USD") == Decimal("19.99")
    assert from_minor(500, "JPY") == Decimal("500")
    assert to_minor(Decimal("19.995"), "USD") == 2000
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_money(Decimal("10"), "CHF") == "10.00 CHF"


def test_theme_folders_layer(tmp_path):
    """Every configured folder holding the theme is a layer, then the plugins'
    layers: a later one fills in what an earlier one does not define."""
    first, second, plugin = tmp_path / "first", tmp_path / "second", tmp_path / "p"
    (first / "default" / "templates").mkdir(parents=True)
    (first / "default" / "templates" / "header.pt").write_text("first header")
    (second / "default" / "templates").mkdir(parents=True)
    for name in ("header.pt", "layout.pt"):
        (second / "default" / "templates" / name).write_text(f"second {name}")
    (plugin / "sections" / "music").mkdir(parents=True)
    (plugin / "templates").mkdir()
    (plugin / "templates" / "layout.pt").write_text("plugin layout")
    (plugin / "templates" / "extra.pt").write_text("plugin extra")
    lookup = ThemeLookup([str(first), str(second)])
    lookup.add_layer("default", str(plugin))
    templates = lookup.templates("default")

    def text(name):
        return Path(templates.find(name)).read_text()

    assert text("header.pt") == "first header"
    assert text("layout.pt") == "second layout.pt"
    assert text("extra.pt") == "plugin extra"
    music = StoreSection("music", "Music", "/music/", "album")
    path = lookup.search_path("default", music)
    assert path[0] == str(plugin / "sections" / "music")


def test_a_theme_no_layer_holds_is_named(tmp_path):
    (tmp_path / "default").mkdir()
    lookup = ThemeLookup([str(tmp_path)], host_themes={"a.test": "acme"})
    with pytest.raises(ConfigurationError, match="'acme' not found"):
        lookup.check_themes_exist()


def test_unset_theme_folders_are_the_installed_themes(tmp_path):
    assert theme_directories({"here": str(tmp_path)}) == [BUILTIN_THEMES]
    assert theme_directories({}) == [BUILTIN_THEMES]
    assert Path(BUILTIN_THEMES, "default", "templates", "layout.pt").is_file()


def test_a_themes_folder_beside_the_ini_layers_over_the_installed_ones(tmp_path):
    (tmp_path / "themes" / "default" / "templates").mkdir(parents=True)
    assert theme_directories({"here": str(tmp_path)}) == [
        str(tmp_path / "themes"),
        BUILTIN_THEMES,
    ]


def test_theme_folders_may_be_asset_specs_and_count_once(tmp_path):
    link = tmp_path / "themes"
    link.symlink_to(BUILTIN_THEMES)
    settings = {
        "emporium.themes.directories": f"emporium:builtin_themes {link} {tmp_path}"
    }
    assert theme_directories(settings) == [BUILTIN_THEMES, str(tmp_path)]


def test_static_files_come_from_the_first_layer_that_has_them(tmp_path):
    (tmp_path / "themes" / "default" / "templates").mkdir(parents=True)
    lookup = ThemeLookup(theme_directories({"here": str(tmp_path)}))
    assert lookup.static_folder("default") == str(
        Path(BUILTIN_THEMES, "default", "static")
    )
    (tmp_path / "themes" / "default" / "static").mkdir()
    assert lookup.static_folder("default") == str(
        tmp_path / "themes" / "default" / "static"
    )
    assert lookup.static_folder("nosuch") is None
