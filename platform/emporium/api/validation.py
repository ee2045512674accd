"""Requests and responses of API views checked against the OpenAPI document.

A view registered with ``openapi=True`` gets ``request.openapi`` (the
validated body and parameters) or never runs: the client gets a problem
document naming each field at fault. An empty query value is refused
unless its parameter is described with ``allowEmptyValue: true``; then it
counts as absent (the parameter's default applies).
"""

from __future__ import annotations

import logging
import re

from openapi_core.casting.schemas import oas31_schema_casters_factory
from openapi_core.casting.schemas.exceptions import CastError
from openapi_core.casting.schemas.factories import SchemaCastersFactory
from openapi_core.deserializing.exceptions import DeserializeError
from openapi_core.deserializing.styles.exceptions import EmptyQueryParameterValue
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.unmarshalling.request import V31RequestUnmarshaller
from openapi_core.unmarshalling.schemas import oas31_schema_unmarshallers_factory
from openapi_core.unmarshalling.schemas.factories import SchemaUnmarshallersFactory
from openapi_core.validation.request.exceptions import (
    InvalidRequestBody,
    MissingRequestBodyError,
    ParameterValidationError,
)
from openapi_core.validation.schemas import oas31_schema_validators_factory
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from openapi_core.validation.schemas.factories import DialectSchemaValidatorsFactory
from pyramid_openapi3.wrappers import PyramidOpenAPIRequest, PyramidOpenAPIResponse
from webob.multidict import MultiDict

from emporium.api.problems import problem
from emporium.interfaces import IAPIDescription
from emporium.settings import setting_value

log = logging.getLogger(__name__)


def _built_once(create):
    """``create`` remembering what it built for each schema of the
    description: openapi-core builds a fresh schema validator (deep-copying
    a format checker) for every body and parameter of every request, about
    a tenth of a checkout's CPU. The description never changes once built,
    and a validator keeps no state between calls, so one per schema is
    enough. Calls with their own format validators are built afresh."""
    built: dict = {}

    def cached(factory, spec, schema, *args, **kwargs):
        if any(args) or any(
            value for name, value in kwargs.items() if "format" in name
        ):
            return create(factory, spec, schema, *args, **kwargs)
        flags = tuple(sorted((k, v) for k, v in kwargs.items() if "format" not in k))
        key = (id(spec), schema.parts, flags)
        found = built.get(key)
        if found is None:
            found = built[key] = create(factory, spec, schema, *args, **kwargs)
        return found

    return cached


class SchemaValidatorsBuiltOnce(DialectSchemaValidatorsFactory):
    create = _built_once(DialectSchemaValidatorsFactory.create)


class SchemaCastersBuiltOnce(SchemaCastersFactory):
    create = _built_once(SchemaCastersFactory.create)


class SchemaUnmarshallersBuiltOnce(SchemaUnmarshallersFactory):
    create = _built_once(SchemaUnmarshallersFactory.create)


# Operations kept found, by method, host and route pattern (a handful of
# hosts times the API's few dozen operations).
FOUND_OPERATIONS = 4_096


class OperationsFoundOnce(V31RequestUnmarshaller):
    """The request unmarshaller, finding each route's operation in the
    description once: openapi-core walks every path of the description for
    every request, though the route's pattern (``path_pattern``, which the
    lookup goes by) names its operation for good."""

    def _find_path(self, request):
        found = self.__dict__.setdefault("_operations", {})
        pattern = getattr(request, "path_pattern", None) or request.path
        key = (request.method, request.host_url, pattern)
        operation = found.get(key)
        if operation is None:
            operation = super()._find_path(request)
            if len(found) >= FOUND_OPERATIONS:
                found.clear()
            found[key] = operation
        return operation


def schema_factories() -> dict:
    """OpenAPI 3.1's schema validators, casters and unmarshallers, each
    built once per schema, and the request unmarshaller that finds each
    operation once: the ``Config`` arguments of the API's ``OpenAPI``."""
    base = oas31_schema_validators_factory
    validators = SchemaValidatorsBuiltOnce(
        base.schema_validator_cls,
        base.default_jsonschema_dialect_id,
        base.format_checker,
    )
    unmarshallers = SchemaUnmarshallersBuiltOnce(
        validators,
        oas31_schema_unmarshallers_factory.types_unmarshaller,
        oas31_schema_unmarshallers_factory.format_unmarshallers,
    )
    casters = SchemaCastersBuiltOnce(
        validators, oas31_schema_casters_factory.types_caster
    )
    return {
        "schema_casters_factory": casters,
        "schema_validators_factory": validators,
        "schema_unmarshallers_factory": unmarshallers,
        "request_unmarshaller_cls": OperationsFoundOnce,
    }


class InvalidRequest(Exception):
    def __init__(self, status: int, detail: str, errors: list[dict]) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors


def _schema_errors(prefix: str, error: InvalidSchemaValue) -> list[dict]:
    found = []
    for schema_error in error.schema_errors:
        path = [str(p) for p in getattr(schema_error, "absolute_path", [])]
        if getattr(schema_error, "validator", None) == "required":
            missing = (
                schema_error.message.split("'")[1]
                if "'" in schema_error.message
                else ""
            )
            path.append(missing)
            message = "is required"
        elif getattr(schema_error, "validator", None) == "additionalProperties":
            names = re.findall(r"'([^']+)'", schema_error.message.split("(", 1)[-1])
            for name in names or [""]:
                field = ".".join([prefix, *path, name] if prefix else [*path, name])
                found.append({"field": field or "body", "message": "is not allowed"})
            continue
        else:
            message = schema_error.message
        field = ".".join([prefix, *path]) if prefix else ".".join(path)
        found.append({"field": field or "body", "message": message})
    return found


def _parameter_message(schema_error) -> str:
    """What a parameter's value breaks, without repeating the value (a query
    string can be long, and the client has it)."""
    rule = getattr(schema_error, "validator", None)
    limit = getattr(schema_error, "validator_value", None)
    if rule == "maxLength":
        return f"must be at most {limit} characters"
    if rule == "minLength":
        return f"must be at least {limit} characters"
    if rule == "maximum":
        return f"must be at most {limit}"
    if rule == "minimum":
        return f"must be at least {limit}"
    if rule == "enum":
        return "must be one of: " + ", ".join(map(str, limit))
    if rule == "pattern":
        return "is not in the expected format"
    return schema_error.message


def describe(errors) -> InvalidRequest:
    """Turn openapi-core's errors into one InvalidRequest with field names."""
    fields: list[dict] = []
    status = 400
    for error in errors:
        cause = error.__cause__
        if isinstance(error, ParameterValidationError):
            message = (
                "is required" if "Missing" in type(error).__name__ else "is not valid"
            )
            if isinstance(cause, InvalidSchemaValue):
                found = map(_parameter_message, cause.schema_errors)
                message = "; ".join(found) or message
            elif isinstance(cause, EmptyQueryParameterValue):
                message = "must not be empty"
            elif isinstance(cause, CastError | DeserializeError):
                message = "is not of the expected type"
            fields.append({"field": error.name, "message": message})
        elif isinstance(error, MissingRequestBodyError):
            fields.append({"field": "body", "message": "a JSON body is required"})
        elif isinstance(cause, MediaTypeNotFound) or isinstance(
            error, MediaTypeNotFound
        ):
            return InvalidRequest(
                415,
                "send the body as application/json",
                [{"field": "Content-Type", "message": "must be application/json"}],
            )
        elif isinstance(error, InvalidRequestBody) and isinstance(
            cause, InvalidSchemaValue
        ):
            status = 422
            fields += _schema_errors("", cause)
        elif isinstance(cause, DeserializeError | CastError):
            fields.append({"field": "body", "message": "is not valid JSON"})
        else:
            fields.append({"field": "request", "message": str(error)})
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return InvalidRequest(status, detail or "invalid request", fields)


def _openapi_request(request) -> PyramidOpenAPIRequest:
    wrapped = PyramidOpenAPIRequest(request)
    route = request.matched_route
    operation = (route.pattern if route else request.path_info, wrapped.method)
    description = request.registry.getUtility(IAPIDescription)
    may_be_empty = description.empty_values.get(operation)
    if may_be_empty:
        wrapped.parameters.query = MultiDict(
            (name, value)
            for name, value in request.GET.items()
            if value != "" or name not in may_be_empty
        )
    return wrapped


# No body this API reads nests deeper than a few levels; the JSON parser
# recurses once per level, and a body of brackets would exhaust the stack.
MAX_JSON_DEPTH = 32


def nested_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text ``body`` opens more than ``limit`` arrays or
    objects inside one another (brackets inside strings do not count)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def openapi_view(view, info):
    if not info.options.get("openapi"):
        return view

    def validated_view(context, request):
        if nested_too_deep(request.body):
            message = f"is nested deeper than {MAX_JSON_DEPTH} levels"
            raise InvalidRequest(
                400, f"body: {message}", [{"field": "body", "message": message}]
            )
        openapi = request.registry.getUtility(IAPIDescription).openapi
        # The unmarshaller itself: ``unmarshal_request`` first checks the
        # request against two typing protocols, which costs more than the
        # check of a small body.
        result = openapi.request_unmarshaller.unmarshal(_openapi_request(request))
        if result.errors:
            raise describe(result.errors)
        request.openapi = result
        request.environ["emporium.validate_response"] = True
        return view(context, request)

    return validated_view


openapi_view.options = ("openapi",)


def invalid_request_view(exc: InvalidRequest, request):
    return problem(request, exc.status, exc.detail, exc.errors)


def validates_responses(settings) -> bool:
    """Whether API responses are checked: in development and tests, where a
    mismatch is a bug to find, not in production, where the check costs
    more than the view it checks (``emporium.api.validate_responses``)."""
    chosen = setting_value(settings, "emporium.api.validate_responses")
    if chosen is None:
        return setting_value(settings, "emporium.environment") != "production"
    return chosen


def response_validation_tween_factory(handler, registry):
    """Check the final response of API views (after exception views ran);
    nothing at all when responses are not checked."""
    if not validates_responses(registry.settings):
        return handler
    strict = setting_value(registry.settings, "emporium.api.strict_responses")

    def response_validation_tween(request):
        response = handler(request)
        if request.environ.get("emporium.validate_response"):
            openapi = registry.getUtility(IAPIDescription).openapi
            result = openapi.unmarshal_response(
                PyramidOpenAPIRequest(request), PyramidOpenAPIResponse(response)
            )
            if result.errors:
                log.error(
                    "response to %s %s breaks the API description: %s",
                    request.method,
                    request.path,
                    "; ".join(map(str, result.errors)),
                )
                if strict:
                    return problem(
                        request, 500, "the response did not match the API description"
                    )
        return response

    return response_validation_tween
