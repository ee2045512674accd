"""Facet names are a section's own unless declared shared: Books' ``format``
and another section's ``format`` are counted and chosen apart, while a
shared facet adds up across the sections that declare it."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from pyramid.config import Configurator
from pyramid.request import Request

from emporium.search.conditions import SearchConditions, conditions_from_request
from emporium.search.engine import (
    IndexDirectory,
    SearchIndex,
    create_index,
    write_documents,
)
from emporium.search.indexing import index_facets, with_facets
from emporium.sections import SectionField

BOOK_FORMATS = ("paperback", "hardcover")
MUSIC_FORMATS = ("CD", "Vinyl")

# id, section, format, brand
PRODUCTS = [
    (1, "books", "paperback", "Acme"),
    (2, "books", "paperback", "Bolt"),
    (3, "books", "hardcover", "Acme"),
    (4, "music", "Vinyl", "Acme"),
    (5, "music", "CD", "Acme"),
]


@pytest.fixture(scope="module")
def registry():
    config = Configurator(settings={})
    config.include("emporium.sections")
    for name, formats in (("books", BOOK_FORMATS), ("music", MUSIC_FORMATS)):
        config.add_store_section(
            name=name,
            title=name.title(),
            prefix=f"/{name}/",
            product_type=name,
            fields=(
                SectionField("format", "Format", "choice", formats, facet=True),
                SectionField("brand", "Brand", facet=True, shared=True),
            ),
        )
    config.commit()
    return config.registry


@pytest.fixture(scope="module")
def index(registry, tmp_path_factory) -> SearchIndex:
    folder_set = IndexDirectory(str(tmp_path_factory.mktemp("facets")))
    documents = [
        {
            "id": pid,
            "section": section,
            "name": f"Product {pid}",
            "stock": 1,
            "fields": {"format": format_, "brand": brand},
        }
        for pid, section, format_, brand in PRODUCTS
    ]
    facets = index_facets(registry)
    folder = folder_set.new_generation()
    write_documents(
        create_index(folder, facets), folder, facets, with_facets(registry, [documents])
    )
    folder_set.swap(folder)
    return SearchIndex(folder_set.path)


def counts(result, name: str) -> dict[str, int]:
    return {c.value: c.count for c in result.facets[name]}


def test_the_index_names_a_section_s_facets_after_it(registry):
    assert index_facets(registry) == ["books.format", "brand", "music.format"]


def test_a_section_counts_only_its_own_format(index):
    books = index.search(SearchConditions(section="books", facet_names=("format",)))
    assert counts(books, "format") == {"paperback": 2, "hardcover": 1}
    music = index.search(SearchConditions(section="music", facet_names=("format",)))
    assert counts(music, "format") == {"Vinyl": 1, "CD": 1}


def test_choosing_a_format_narrows_its_own_section(index):
    found = index.search(SearchConditions(section="music", facets={"format": ("CD",)}))
    assert found.ids == [5]


def test_across_sections_a_format_is_named_with_its_section(index):
    found = index.search(SearchConditions(facets={"books.format": ("paperback",)}))
    assert sorted(found.ids) == [1, 2]
    # The other section's value is not Books' format.
    assert index.search(SearchConditions(facets={"books.format": ("CD",)})).ids == []
    # Unqualified, "format" is no facet across sections: nothing matches.
    assert index.search(SearchConditions(facets={"format": ("CD",)})).ids == []


def test_a_shared_facet_adds_up_across_sections(index):
    everywhere = index.search(SearchConditions(facet_names=("brand",)))
    assert counts(everywhere, "brand") == {"Acme": 4, "Bolt": 1}
    found = index.search(SearchConditions(facets={"brand": ("Acme",)}))
    assert sorted(found.ids) == [1, 3, 4, 5]
    music = index.search(SearchConditions(section="music", facet_names=("brand",)))
    assert counts(music, "brand") == {"Acme": 2}


def _request(registry, **params) -> Request:
    request = Request.blank("/search?" + urlencode(params))
    request.registry = registry
    return request


def test_the_query_string_names_facets_by_field_within_a_section(registry):
    conditions, _ = conditions_from_request(
        _request(registry, section="music", format="CD", brand="Acme")
    )
    assert conditions.facets == {"format": ("CD",), "brand": ("Acme",)}
    assert conditions.facet_names == ("format", "brand")


def test_the_query_string_names_them_by_section_across_sections(registry):
    conditions, _ = conditions_from_request(
        _request(registry, **{"books.format": "paperback", "format": "CD"})
    )
    assert conditions.facets == {"books.format": ("paperback",)}
