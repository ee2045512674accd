"""Settings: read from the ``.ini``, overridden from the environment in this
one place, and documented with their defaults in README.md."""

from __future__ import annotations

import os

# Environment variable -> setting it overrides (for containers and CI).
ENVIRONMENT_OVERRIDES = {
    "EMPORIUM_DATABASE_URL": "sqlalchemy.url",
    "EMPORIUM_PLUGINS": "emporium.plugins",
    "EMPORIUM_SESSION_SECRET": "emporium.session.secret",
    "EMPORIUM_TOKENS_SECRET": "emporium.tokens.secret",
    "EMPORIUM_THROTTLE_STORAGE": "emporium.throttle.storage",
    "EMPORIUM_METRICS_DIR": "emporium.metrics.dir",
}

DEFAULTS = {
    "emporium.plugins": "catalog bookstore videogames cart admin",
    "emporium.site_title": "Emporium",
    "emporium.themes.default": "default",
    "emporium.catalog.page_size": "24",
}


def normalize_settings(settings: dict) -> dict:
    result = dict(DEFAULTS)
    result.update(settings)
    for variable, name in ENVIRONMENT_OVERRIDES.items():
        if os.environ.get(variable):
            result[name] = os.environ[variable]
    if "emporium.themes.directories" not in result and "here" in result:
        result["emporium.themes.directories"] = os.path.join(result["here"], "themes")
    return result


def whole_number(settings, name: str, default: int, minimum: int = 1) -> int:
    """The setting ``name`` as a whole number of at least ``minimum``; a
    ``ConfigurationError`` naming it otherwise."""
    from emporium.errors import ConfigurationError

    raw = settings.get(name, default)
    try:
        value = int(str(raw).strip())
    except ValueError:
        message = f"{name} must be a whole number, not {raw!r}"
        raise ConfigurationError(message) from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, not {value}")
    return value
