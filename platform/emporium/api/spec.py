"""The OpenAPI document: the core's part merged with every plugin's fragment."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from pyramid.path import AssetResolver

from emporium.errors import ConfigurationError

CORE_FRAGMENT = "emporium.api:openapi.yaml"


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
