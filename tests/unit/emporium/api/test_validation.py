"""Responses are checked against the API description in development and
tests, never in production, where the check cost more than the views."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from emporium.api.validation import (
    response_validation_tween_factory,
    validates_responses,
)


@pytest.mark.parametrize(
    ("settings", "checked"),
    [
        ({}, True),
        ({"emporium.environment": "development"}, True),
        ({"emporium.environment": "production"}, False),
        (
            {
                "emporium.environment": "production",
                "emporium.api.validate_responses": "true",
            },
            True,
        ),
        ({"emporium.api.validate_responses": "false"}, False),
    ],
)
def test_who_checks_responses(settings, checked):
    assert validates_responses(settings) is checked


def test_production_has_no_response_check_in_its_path():
    def handler(request):
        return "the response"

    production = SimpleNamespace(settings={"emporium.environment": "production"})
    assert response_validation_tween_factory(handler, production) is handler
    development = SimpleNamespace(settings={"emporium.environment": "development"})
    assert response_validation_tween_factory(handler, development) is not handler


def test_each_schema_gets_one_validator_for_every_request():
    from jsonschema_path import SchemaPath
    from openapi_core.validation.schemas.exceptions import InvalidSchemaValue

    from emporium.api.validation import schema_factories

    factories = schema_factories()
    spec = SchemaPath.from_dict(
        {
            "openapi": "3.1.0",
            "components": {
                "schemas": {
                    "Quantity": {"type": "integer", "minimum": 1},
                    "Email": {"type": "string", "format": "email"},
                }
            },
        }
    )
    quantity = spec / "components" / "schemas" / "Quantity"
    email = spec / "components" / "schemas" / "Email"
    unmarshallers = factories["schema_unmarshallers_factory"]
    first = unmarshallers.create(spec, quantity)
    assert unmarshallers.create(spec, quantity) is first
    assert unmarshallers.create(spec, email) is not first
    casters = factories["schema_casters_factory"]
    assert casters.create(spec, quantity) is casters.create(spec, quantity)
    validators = factories["schema_validators_factory"]
    strict = validators.create(spec, quantity, enforce_properties_required=True)
    assert validators.create(spec, quantity) is not strict
    # Each call still checks its own value.
    assert first.unmarshal(3) == 3
    with pytest.raises(InvalidSchemaValue, match="less than the minimum"):
        first.unmarshal(0)
    with pytest.raises(InvalidSchemaValue):
        unmarshallers.create(spec, email).unmarshal(5)


def test_each_route_finds_its_operation_in_the_description_once():
    from jsonschema_path import SchemaPath
    from openapi_core import Config, OpenAPI
    from openapi_core.testing import MockRequest

    from emporium.api.validation import schema_factories

    item = {"type": "object", "properties": {"quantity": {"type": "integer"}}}
    spec = SchemaPath.from_dict(
        {
            "openapi": "3.1.0",
            "info": {"title": "shop", "version": "1"},
            "paths": {
                "/items/{item_id}": {
                    "parameters": [
                        {
                            "name": "item_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "patch": {
                        "requestBody": {
                            "content": {"application/json": {"schema": item}}
                        },
                        "responses": {"200": {"description": "changed"}},
                    },
                }
            },
        }
    )
    unmarshaller = OpenAPI(
        spec, config=Config(**schema_factories())
    ).request_unmarshaller
    finder = unmarshaller.path_finder
    walks = []

    def find(*args):
        walks.append(args)
        return type(finder).find(finder, *args)

    finder.find = find

    def patch(item_id: str, body: bytes):
        request = MockRequest(
            "http://shop",
            "patch",
            f"/items/{item_id}",
            path_pattern="/items/{item_id}",
            data=body,
            content_type="application/json",
        )
        request.parameters.path = {"item_id": item_id}
        return unmarshaller.unmarshal(request)

    first = patch("1", b'{"quantity": 2}')
    second = patch("7", b'{"quantity": "many"}')
    assert len(walks) == 1
    assert not first.errors
    assert (first.parameters.path, first.body) == ({"item_id": 1}, {"quantity": 2})
    # Each request's own values are still checked.
    assert second.errors
