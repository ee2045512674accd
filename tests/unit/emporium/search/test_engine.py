"""The in-process index (LocalSearch) on the fixed catalog."""

from __future__ import annotations

import pytest

from emporium.search.conditions import SearchConditions, SearchResult
from emporium.search.engine import IndexDirectory, normalize_title, weight
from emporium.search.errors import SearchUnavailable
from emporium.search.services import LocalSearch
from tests.unit.emporium.search.conformance import SearchConformance


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


def test_words_inside_cjk_text_are_found(tmp_path):
    """Chinese, Japanese and Korean are written without spaces: a word
    inside a name or a description is found, in any script mix."""
    from emporium.search.engine import (
        SearchIndex,
        create_index,
        write_documents,
    )

    documents = [
        {"id": 1, "name": "東京タワー 模型", "description": "精密なプラスチック模型"},
        {"id": 2, "name": "Castle of Magic", "description": "A building set"},
        {"id": 3, "name": "레고 성 세트", "description": "블록 장난감"},
        {"id": 4, "name": "京都の寺", "description": "木製パズル"},
    ]
    directory = IndexDirectory(str(tmp_path))
    folder = directory.new_generation()
    write_documents(create_index(folder, []), folder, [], [documents])
    directory.swap(folder)
    index = SearchIndex(str(tmp_path))

    def found(words: str) -> list[int]:
        return sorted(index.search(SearchConditions(words=words)).ids)

    assert found("タワー") == [1]  # inside the name's run
    assert found("東京") == [1]
    assert found("京") == [1, 4]  # one character: wherever it stands
    assert found("プラスチック") == [1]  # inside the description's run
    assert found("木製") == [4]
    assert found("성") == [3]
    assert found("장난감") == [3]
    assert found("東京 castle") == []  # every word must be found
    assert found("castle") == [2]  # the rest is as before
    assert found("大阪") == []
    assert [s["id"] for s in index.suggest("東京タ")] == [1]


def test_a_cjk_name_outranks_a_cjk_description(tmp_path):
    from emporium.search.engine import SearchIndex, create_index, write_documents

    tea = "中国茶叶"
    documents = [
        # A best seller that says it again and again, against the product
        # of that very name, a slow seller.
        {"id": 1, "name": "茶器セット", "description": f"{tea} {tea} {tea}",
         "best_seller_rank": 1, "stock": 50},
        {"id": 2, "name": tea, "description": "", "best_seller_rank": 10**6,
         "stock": 50},
        {"id": 3, "name": "緑茶の缶", "description": f"{tea}も入る",
         "best_seller_rank": 2, "stock": 50},
    ]  # fmt: skip
    directory = IndexDirectory(str(tmp_path))
    folder = directory.new_generation()
    write_documents(create_index(folder, []), folder, [], [documents])
    directory.swap(folder)
    index = SearchIndex(str(tmp_path))
    ids = index.search(SearchConditions(words=tea)).ids
    assert ids[0] == 2 and sorted(ids) == [1, 2, 3]
