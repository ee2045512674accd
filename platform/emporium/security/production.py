"""Refuse to run in production with development defaults."""

from __future__ import annotations

from pyramid.settings import asbool, aslist

from emporium.errors import ConfigurationError
from emporium.settings import setting_value

# Secrets that ship in files of this repository, or that nobody should use.
KNOWN_DEFAULTS = {
    "development-only-session-key-not-for-production",
    "development-only-token-key-not-for-production",
    "changeme",
    "change-me",
    "secret",
    "default",
    "password",
}
MIN_SECRET_LENGTH = 32


def check_production(settings: dict) -> None:
    """When ``emporium.environment = production``, raise ConfigurationError
    naming the first missing or default secret, or debug feature left on."""
    if setting_value(settings, "emporium.environment") != "production":
        return
    for name, variable in (
        ("emporium.session.secret", "EMPORIUM_SESSION_SECRET"),
        ("emporium.tokens.secret", "EMPORIUM_TOKENS_SECRET"),
    ):
        keys = setting_value(settings, name) or []
        if not keys and name == "emporium.session.secret":
            raise ConfigurationError(f"{name} is missing (set {variable})")
        for key in keys:
            if key.lower() in KNOWN_DEFAULTS or len(key) < MIN_SECRET_LENGTH:
                raise ConfigurationError(
                    f"{name} is a default or shorter than {MIN_SECRET_LENGTH} "
                    f"characters (set {variable} to a long random value)"
                )
    includes = aslist(settings.get("pyramid.includes") or "")
    if any("debugtoolbar" in include for include in includes):
        raise ConfigurationError("pyramid_debugtoolbar is enabled in pyramid.includes")
    for flag in (
        "pyramid.reload_templates",
        "pyramid.debug_authorization",
        "pyramid.debug_notfound",
        "pyramid.debug_routematch",
        "pyramid.reload_all",
    ):
        if asbool(settings.get(flag)):
            raise ConfigurationError(f"{flag} is on")
