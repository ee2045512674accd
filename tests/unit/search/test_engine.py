"""The in-process index (LocalSearch) on the fixed catalog."""

from __future__ import annotations

import pytest

from emporium.search.conditions import SearchConditions, SearchResult
from emporium.search.engine import IndexDirectory, normalize_title, weight
from emporium.search.errors import SearchUnavailable
from emporium.search.services import LocalSearch
from tests.unit.search.conformance import SearchConformance


class TestLocalSearch(SearchConformance):
    pass


def test_no_index_is_unavailable(tmp_path, registry):
    search = LocalSearch(registry, str(tmp_path / "nothing"))
    with pytest.raises(SearchUnavailable):
        search.search(SearchConditions(words="castle"))
    assert search.health()["ok"] is False
    search.update([1])  # nothing built yet: nothing to do, no error


def test_weight_lifts_best_sellers_in_stock():
    assert weight(1, 10) > weight(1000, 10) > weight(10**7, 10) >= 0.5
    assert weight(1, 0) == 0.0


def test_normalize_title():
    assert normalize_title("  The Magic-Castle, Éclair!") == "the magic castle eclair"


def test_result_json_round_trip(search):
    result = search.search(
        SearchConditions(section="videogames", facet_names=("platform",))
    )
    assert SearchResult.from_json(result.to_json()) == result


def test_swap_keeps_two_generations(tmp_path):
    directory = IndexDirectory(str(tmp_path))
    folders = [directory.new_generation() for _ in range(4)]
    for folder in folders:
        directory.swap(folder)
    assert directory.live() == folders[-1]
    remaining = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("gen-"))
    assert remaining == [f.rsplit("/", 1)[-1] for f in folders[-2:]]


@pytest.mark.parametrize(
    "overrides",
    [
        {"emporium.search.servers": "ftp://127.0.0.1:1"},
        {
            "emporium.search.servers": "http://127.0.0.1:1",
            "emporium.search.timeout": "x",
        },
        {
            "emporium.search.servers": "http://127.0.0.1:1",
            "emporium.search.timeout": "0",
        },
    ],
)
def test_bad_search_settings_are_named(search_settings, overrides):
    from emporium.config import configure
    from emporium.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="emporium.search"):
        configure(dict(search_settings, **overrides))
