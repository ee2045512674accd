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
