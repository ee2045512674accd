"""The search fragment of the API description says what the code accepts."""

from __future__ import annotations

from emporium.api.spec import load_fragment
from emporium.search import conditions

FRAGMENT = load_fragment("emporium.search:openapi.yaml")


def _parameters(path: str) -> dict[str, dict]:
    operation = FRAGMENT["paths"][path]["get"]
    return {p["name"]: p for p in operation["parameters"]}


def test_search_parameters_have_the_codes_bounds():
    parameters = _parameters("/api/v1/search")
    schema = {name: p["schema"] for name, p in parameters.items()}
    assert schema["q"]["maxLength"] == conditions.MAX_QUERY_LENGTH
    assert (schema["page"]["minimum"], schema["page"]["maximum"]) == (
        1,
        conditions.MAX_PAGE,
    )
    assert (schema["per_page"]["minimum"], schema["per_page"]["maximum"]) == (
        1,
        conditions.MAX_PER_PAGE,
    )
    assert set(schema["sort"]["enum"]) == conditions.KNOWN_SORTS
    assert schema["sort"]["default"] == "relevance"
    assert schema["in_stock"]["type"] == "boolean"
    # Section names come from the sections registered, which the view checks.
    assert "enum" not in schema["section"]
    # Only the words may be sent empty.
    assert [n for n, p in parameters.items() if p.get("allowEmptyValue")] == ["q"]


def test_suggest_and_results_agree_with_the_code():
    q = _parameters("/api/v1/search/suggest")["q"]
    assert q["schema"]["maxLength"] == conditions.MAX_QUERY_LENGTH
    assert q["allowEmptyValue"] is True
    schemas = FRAGMENT["components"]["schemas"]
    assert set(schemas["SearchSort"]["enum"]) == conditions.KNOWN_SORTS
    assert schemas["SearchResults"]["properties"]["page"]["maximum"] == (
        conditions.MAX_PAGE
    )
