"""Store sections: each has a name and a prefix of its own, so that one
plugin's section never silently replaces another's."""

from __future__ import annotations

import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationExecutionError

from emporium.sections import SectionField, get_sections


def _configurator() -> Configurator:
    config = Configurator(settings={})
    config.include("emporium.sections")
    config.add_store_section(
        name="books", title="Books", prefix="/books/", product_type="book"
    )
    config.commit()
    return config


@pytest.mark.parametrize(
    ("name", "prefix", "message"),
    [
        (
            "books",
            "/books2/",
            "section 'books' at /books2/ clashes with section 'books'",
        ),
        (
            "novels",
            "/books/",
            "section 'novels' at /books/ clashes with section 'books'",
        ),
    ],
)
def test_a_section_taking_another_s_name_or_prefix_is_refused(name, prefix, message):
    config = _configurator()
    config.add_store_section(name=name, title="X", prefix=prefix, product_type="x")
    with pytest.raises(ConfigurationExecutionError, match=message) as raised:
        config.commit()
    assert "ConfigurationError" in str(raised.value).splitlines()[0]


def test_sections_of_their_own_are_all_there():
    config = _configurator()
    config.add_store_section(
        name="music", title="Music", prefix="/music/", product_type="album"
    )
    config.commit()
    assert [s.name for s in get_sections(config.registry)] == ["books", "music"]


def test_facet_keys_are_qualified_unless_shared():
    config = Configurator(settings={})
    config.include("emporium.sections")
    section = config.add_store_section(
        name="music",
        title="Music",
        prefix="/music/",
        product_type="album",
        fields=(
            SectionField("format", "Format", facet=True),
            SectionField("brand", "Brand", facet=True, shared=True),
            SectionField("year", "Year", kind="int"),
        ),
    )
    assert section.facet_keys() == {"format": "music.format", "brand": "brand"}
