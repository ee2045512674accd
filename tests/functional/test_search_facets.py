"""A section's facets through the search page and API: named by field within
the section, by section across sections, on the fixed catalog of
tests/unit/emporium/search/catalog.py."""

from __future__ import annotations

import pytest
import webtest

from tests.unit.emporium.search import catalog


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> webtest.TestApp:
    return catalog.web_app(catalog.build(tmp_path_factory.mktemp("search-facets")))


def test_across_sections_a_facet_is_named_with_its_section(app):
    found = app.get("/api/v1/search", {"books.format": "paperback"}).json
    assert sorted(found["ids"]) == [10, 12, 14]
    # The field's own name means nothing across sections.
    everything = app.get("/api/v1/search").json["total"]
    assert (
        app.get("/api/v1/search", {"format": "paperback"}).json["total"] == everything
    )


def test_the_search_page_filters_by_a_qualified_facet(app):
    page = app.get("/search", {"q": "julia donaldson", "books.format": "hardcover"})
    names = [h.get_text(strip=True) for h in page.html.select(".product-name")]
    assert names == ["Room on the Broom"]


def test_within_a_section_its_facets_keep_their_field_names(app):
    found = app.get("/api/v1/search", {"section": "books", "format": "ebook"}).json
    assert found["ids"] == [13]
    assert set(found["facets"]) == {"author", "age_range", "format"}
