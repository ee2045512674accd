"""Behaviour every ISearch implementation shows on the catalog of
``catalog.py``; a test class mixes this in and provides a ``search``
fixture (the in-process index, or a client of search servers)."""

from __future__ import annotations

from zope.interface.verify import verifyObject

from emporium.search.conditions import SearchConditions
from emporium.search.interfaces import ISearch

VIDEOGAME_FACETS = ("platform", "content_rating", "genre")


def ids(search, **conditions) -> list[int]:
    return search.search(SearchConditions(**conditions)).ids


class SearchConformance:
    def test_provides_the_interface(self, search):
        assert verifyObject(ISearch, search)

    def test_an_exact_title_ranks_first(self, search):
        # "Magic Castle Deluxe Edition" and "Castle of Magic Cards" sell
        # better, but the exact title wins.
        found = ids(search, words="magic castle")
        assert found[0] == 1
        assert set(found) >= {1, 2, 3}
        assert ids(search, words="Castle of Magic Cards")[0] == 3

    def test_relevance_prefers_best_sellers_in_stock(self, search):
        found = ids(search, words="castle")
        # Same words, better rank and in stock: the deluxe edition before the
        # sold-out cards despite the cards' rank 1.
        assert found.index(2) < found.index(3)

    def test_an_authors_name_finds_their_books(self, search):
        assert set(ids(search, words="Donaldson")) == {10, 11}
        assert set(ids(search, words="julia donaldson")) == {10, 11}
        assert set(ids(search, words="roald dahl", section="books")) == {12, 13}

    def test_a_platform_facet_narrows_video_games(self, search):
        everything = search.search(
            SearchConditions(section="videogames", facet_names=VIDEOGAME_FACETS)
        )
        assert everything.total == 5
        platforms = {c.value: c.count for c in everything.facets["platform"]}
        assert platforms == {"PC": 2, "Nintendo Switch": 2, "PlayStation 5": 1}
        narrowed = search.search(
            SearchConditions(
                section="videogames",
                facets={"platform": ("PC",)},
                facet_names=VIDEOGAME_FACETS,
            )
        )
        assert set(narrowed.ids) == {20, 22}
        assert narrowed.total == 2
        assert {c.value for c in narrowed.facets["platform"]} == {"PC"}
        both = ids(
            search, section="videogames", facets={"platform": ("PC", "PlayStation 5")}
        )
        assert set(both) == {20, 22, 23}

    def test_sort_by_price_is_correct_and_stable(self, search):
        expected = [24, 22, 23, 20, 21]  # 19.99, 29.99 (id 22 then 23), 49.99, 59.99
        assert ids(search, section="videogames", sort="price") == expected
        for _ in range(3):
            assert ids(search, section="videogames", sort="price") == expected
        pages = [
            ids(search, section="videogames", sort="price", page=page, per_page=2)
            for page in (1, 2, 3)
        ]
        assert [i for page in pages for i in page] == expected

    def test_other_sorts(self, search):
        assert ids(search, section="books", sort="bestselling") == [10, 12, 11, 13, 14]
        assert ids(search, section="videogames", sort="newest")[0] == 23
        titles = ids(search, section="books", sort="title")
        assert titles == [12, 11, 13, 10, 14]  # matilda, room, the bfg, the gruffalo

    def test_in_stock_hides_sold_out(self, search):
        assert 3 in ids(search, words="castle")
        assert 3 not in ids(search, words="castle", in_stock=True)
        assert set(ids(search, section="videogames", in_stock=True)) == {20, 21, 22, 23}

    def test_price_range(self, search):
        found = ids(search, section="books", price_min=800, price_max=1300)
        assert set(found) == {11, 12}

    def test_stemming_prefix_and_a_typo(self, search):
        assert ids(search, words="runs") == [5]  # "Running"
        assert set(ids(search, words="drag")) == {4, 24}  # prefix of the last word
        assert set(ids(search, words="dargon")) == {4, 24}  # one transposition
        assert set(ids(search, words="gruffallo")) == {10}  # one letter too many

    def test_section_facet_across_sections(self, search):
        result = search.search(
            SearchConditions(words="castle", facet_names=("section",))
        )
        counts = {c.value: c.count for c in result.facets["section"]}
        assert counts == {"store": 3, "videogames": 2}
        assert result.total == 5

    def test_odd_queries_give_sane_answers(self, search):
        for words in (
            "'; DROP TABLE products; --",
            'castle" OR 1=1 --',
            "title:magic AND (",
            "*",
            "~~~",
            "\x00\x01",
            "مرحبا",
            "🙂",
        ):
            result = search.search(SearchConditions(words=words))
            assert result.total >= 0
        assert search.search(SearchConditions(words="")).total == len(
            ids(search, per_page=100)
        )
        assert ids(search, words="東京の猫") == [14]
        long_words = " ".join(["castle"] * 300)
        assert 1 in ids(search, words=long_words[:500])

    def test_a_facet_the_index_does_not_know_finds_nothing(self, search):
        assert ids(search, facets={"colour": ("red",)}) == []

    def test_suggest_completes_names(self, search):
        names = [s["name"] for s in search.suggest("dra", 8)]
        assert set(names) == {"Dragon Kite", "Dragon Rally"}
        assert [s["name"] for s in search.suggest("magic cast", 8)][:1] == [
            "Magic Castle Deluxe Edition"
        ]
        # Identical names are suggested once.
        assert [s["name"] for s in search.suggest("space", 8)] == ["Space Racer"]
        assert search.suggest("", 8) == []
        assert search.suggest("'; DROP", 8) == []
