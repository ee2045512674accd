"""Property tests of the search query parsing: whatever a client or another
server sends, the words come out as a bounded list of words, and conditions
sent as JSON are rebuilt or refused with InvalidInput naming the field,
never any other error."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from emporium.errors import InvalidInput
from emporium.search.conditions import MAX_WORDS, SearchConditions, words_of

FIELDS = (
    "words", "section", "category", "facets", "price_min", "price_max",
    "in_stock", "sort", "page", "per_page", "facet_names", "sections",
)  # fmt: skip

# What JSON can hold: the values a decoded request body may carry anywhere.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
CONDITIONS = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=len(FIELDS))


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(max_size=600))
def test_any_text_gives_a_bounded_list_of_words(text):
    words = words_of(text)
    assert len(words) <= MAX_WORDS
    assert all(isinstance(w, str) and w and w in text for w in words)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(CONDITIONS | JSON)
def test_conditions_from_json_are_rebuilt_or_refused_by_name(data):
    try:
        conditions = SearchConditions.from_json(data)
    except InvalidInput as exc:
        assert exc.field in (*FIELDS, "conditions")
        return
    # What was accepted survives its own round trip.
    assert SearchConditions.from_json(conditions.to_json()) == conditions


def test_a_sort_or_facet_names_of_the_wrong_shape_are_refused_by_name():
    for data, name in (
        ({"sort": ["price"]}, "sort"),
        ({"facet_names": 5}, "facet_names"),
        ({"facet_names": [["a"]]}, "facet_names"),
    ):
        try:
            SearchConditions.from_json(data)
        except InvalidInput as exc:
            assert exc.field == name
        else:
            raise AssertionError(f"{data} was accepted")
