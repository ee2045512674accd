from __future__ import annotations

from decimal import Decimal

import pytest

from emporium.errors import ConfigurationError
from emporium.money import from_minor, to_minor
from emporium.sections import StoreSection
from emporium.themes import ThemeLookup, format_money, parse_host_themes


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
