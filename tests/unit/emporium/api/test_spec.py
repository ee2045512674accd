"""Query parameters described with ``allowEmptyValue``."""

from __future__ import annotations

from emporium.api.spec import empty_values_allowed

DOCUMENT = {
    "openapi": "3.1.0",
    "paths": {
        "/things": {
            "parameters": [
                {"name": "q", "in": "query", "allowEmptyValue": True},
                {"name": "tag", "in": "query", "allowEmptyValue": True},
            ],
            "get": {
                "parameters": [
                    # The operation's own replaces the path's.
                    {"name": "tag", "in": "query", "allowEmptyValue": False},
                    {"$ref": "#/components/parameters/Colour"},
                    {"name": "page", "in": "query"},
                ]
            },
            "post": {},
        },
        "/other": {"get": {"parameters": [{"name": "x", "in": "header"}]}},
    },
    "components": {
        "parameters": {
            "Colour": {"name": "colour", "in": "query", "allowEmptyValue": True}
        }
    },
}


def test_parameters_that_may_be_empty_by_operation():
    _, allowed = empty_values_allowed(DOCUMENT)
    assert allowed == {
        ("/things", "get"): frozenset({"q", "colour"}),
        ("/things", "post"): frozenset({"q", "tag"}),
    }


def test_the_copy_has_no_flag_and_the_document_is_left_alone():
    stripped, _ = empty_values_allowed(DOCUMENT)
    assert "allowEmptyValue" not in repr(stripped)
    assert stripped["paths"]["/things"]["get"]["parameters"][2] == {
        "name": "page",
        "in": "query",
    }
    assert DOCUMENT["components"]["parameters"]["Colour"]["allowEmptyValue"] is True
    assert DOCUMENT["paths"]["/things"]["parameters"][0]["allowEmptyValue"] is True
