"""The OpenAPI document: the core's part merged with every plugin's fragment."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from pyramid.path import AssetResolver

from emporium.errors import ConfigurationError

CORE_FRAGMENT = "emporium.api:openapi.yaml"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load_fragment(spec: str) -> dict:
    path = Path(AssetResolver().resolve(spec).abspath())
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"OpenAPI fragment {spec}: {exc}") from exc
    if not isinstance(document, dict):
        raise ConfigurationError(f"OpenAPI fragment {spec}: not a mapping")
    return document


def merge(fragments: list[tuple[str, dict]]) -> dict:
    """Merge fragments: ``paths`` and each ``components`` section must not
    define the same name twice."""
    document: dict = {}
    for source, fragment in fragments:
        for key, value in fragment.items():
            if key in ("paths", "components"):
                continue
            document.setdefault(key, copy.deepcopy(value))
        for path, item in (fragment.get("paths") or {}).items():
            if path in document.setdefault("paths", {}):
                raise ConfigurationError(
                    f"OpenAPI path {path} defined twice ({source})"
                )
            document["paths"][path] = copy.deepcopy(item)
        for section, names in (fragment.get("components") or {}).items():
            target = document.setdefault("components", {}).setdefault(section, {})
            for name, value in names.items():
                if name in target and target[name] != value:
                    raise ConfigurationError(
                        f"OpenAPI component {section}/{name} defined twice ({source})"
                    )
                target[name] = copy.deepcopy(value)
    return document


def empty_values_allowed(
    document: dict,
) -> tuple[dict, dict[tuple[str, str], frozenset[str]]]:
    """The query parameters each operation lets a client send empty
    (``allowEmptyValue: true``), by ``(path, method)``, and a copy of
    ``document`` without the flag.

    openapi-core refuses an empty query value unless the flag is set, and
    warns that the flag is deprecated on every request to the operation; so
    the validation layer takes such empty values as absent itself and hands
    openapi-core the copy.
    """
    stripped = copy.deepcopy(document)
    shared = (stripped.get("components") or {}).get("parameters") or {}

    def resolve(parameter: dict) -> dict:
        ref = parameter.get("$ref", "")
        if ref.startswith("#/components/parameters/"):
            return shared.get(ref.rsplit("/", 1)[1], {})
        return parameter

    allowed = {}
    found: list[list[dict]] = []
    for path, item in (stripped.get("paths") or {}).items():
        common = item.get("parameters") or []
        found.append(common)
        for method in _METHODS:
            if method not in item:
                continue
            own = item[method].get("parameters") or []
            found.append(own)
            # An operation's parameter replaces its path's of the same name.
            parameters = {
                (p.get("name"), p.get("in")): p for p in map(resolve, common + own)
            }
            names = frozenset(
                name
                for (name, where), parameter in parameters.items()
                if where == "query" and parameter.get("allowEmptyValue") is True
            )
            if names:
                allowed[path, method] = names
    for parameter in [*shared.values(), *(p for group in found for p in group)]:
        parameter.pop("allowEmptyValue", None)
    return stripped, allowed
