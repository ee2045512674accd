"""Parameters the API description refuses: a 400 problem naming the
parameter and the rule it breaks, without repeating the value."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"page": "0"}, "page", "must be at least 1"),
        ({"per_page": "1000"}, "per_page", "must be at most 100"),
        ({"page": "x"}, "page", "is not of the expected type"),
        ({"section": ""}, "section", "must not be empty"),
        ({"section": "s" * 41}, "section", "must be at most 40 characters"),
    ],
)
def test_a_refused_parameter_is_named_with_its_rule(testapp, params, field, message):
    response = testapp.get("/api/v1/products", params, status=400)
    assert response.content_type == "application/problem+json"
    problem = response.json
    assert problem["field"] == field
    assert problem["errors"] == [{"field": field, "message": message}]
    assert problem["detail"] == f"{field}: {message}"
    assert "s" * 41 not in response.text
