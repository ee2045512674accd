"""Settings: every one declared once, the core's in ``core.py`` and a
plugin's in the plugin.

A declaration names the setting, its kind (what text it accepts and what
value it reads as), its default, the environment variable that overrides it
and what it means. ``setting_value(settings, name)`` is the one way code reads a
setting; start-up (``validate``) reads every declared setting the ``.ini``
sets, so a bad value stops it with one line naming the setting. The settings
table of docs/settings.md is generated from the declarations when the site
is built (``python -m emporium.settings --markdown`` prints it).

A plugin declares its own settings at module level::

    SETTINGS = declare(Setting("emporium.thing.size", Integer(1), "10", "..."))

and the core collects them when it loads the plugin (it knows no plugin).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emporium.errors import ConfigurationError

TRUE = frozenset({"true", "yes", "on", "1", "t", "y"})
FALSE = frozenset({"false", "no", "off", "0", "f", "n"})


class Kind:
    """What text a setting accepts (``description``) and the value it reads as."""

    description = "text"

    def parse(self, text: str) -> Any:
        return text


class Text(Kind):
    pass


class Words(Kind):
    description = "words separated by spaces"

    def parse(self, text: str) -> list[str]:
        return text.split()


class Integer(Kind):
    def __init__(self, minimum: int | None = None) -> None:
        self.minimum = minimum
        self.description = "a whole number" + (
            "" if minimum is None else f" of at least {minimum}"
        )

    def parse(self, text: str) -> int:
        value = int(text)
        if self.minimum is not None and value < self.minimum:
            raise ValueError(text)
        return value


class Number(Kind):
    """A number from ``low`` to ``high``; above ``low`` when ``open_low``."""

    def __init__(self, low: float = 0, high: float | None = None, open_low=False):
        self.low, self.high, self.open_low = low, high, open_low
        above = f"above {low:g}" if open_low else f"of at least {low:g}"
        most = "" if high is None else f" and at most {high:g}"
        self.description = f"a number {above}{most}"

    def parse(self, text: str) -> float:
        value = float(text)
        if value != value or (value <= self.low if self.open_low else value < self.low):
            raise ValueError(text)
        if self.high is not None and value > self.high:
            raise ValueError(text)
        return value


class Choice(Kind):
    def __init__(self, *words: str) -> None:
        self.words = words
        self.description = "one of " + ", ".join(words)

    def parse(self, text: str) -> str:
        if text not in self.words:
            raise ValueError(text)
        return text


class Boolean(Kind):
    description = "true or false"

    def parse(self, text: str) -> bool:
        word = text.lower()
        if word in TRUE:
            return True
        if word in FALSE:
            return False
        raise ValueError(text)


class AutoBoolean(Boolean):
    """``auto`` (``None``: decided per request), or true or false."""

    description = "auto, true or false"

    def parse(self, text: str) -> bool | None:
        return None if text.lower() == "auto" else super().parse(text)


class Rate(Kind):
    """A rate the throttle's library reads (``limits.parse``), kept as text."""

    description = "a rate like 60/minute"

    def parse(self, text: str) -> str:
        from limits import parse

        parse(text)
        return text


class TimeZone(Kind):
    description = "an IANA time zone name (Europe/Paris, America/New_York, UTC)"

    def parse(self, text: str):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(text) from None


class Networks(Kind):
    description = "addresses or networks separated by spaces"

    def parse(self, text: str) -> list:
        return [ipaddress.ip_network(item, strict=False) for item in text.split()]


@dataclass(frozen=True)
class Setting:
    """One setting. ``default`` is text as the ``.ini`` would hold it (``None``:
    no value); ``shown`` replaces it in the docs where code computes it."""

    name: str
    kind: Kind
    default: str | None
    meaning: str
    environment: str | None = None
    shown: str | None = None

    def read(self, text: str | None, name: str | None = None) -> Any:
        """``text`` read as this setting's kind (``name``: the one a pattern
        such as ``cache.ttl.<partition>`` matched)."""
        if text is None or not str(text).strip():
            if self.default is None:
                return None
            text = self.default
        text = str(text).strip()
        try:
            return self.kind.parse(text)
        except ValueError:
            name = name or self.name
            message = f"{name} must be {self.kind.description}, not {text!r}"
            raise ConfigurationError(message) from None


log = logging.getLogger(__name__)

_DECLARED: dict[str, Setting] = {}
# Names with a <part>: emporium.throttle.<class>, cache.ttl.<partition>.
_PATTERNS: list[tuple[re.Pattern, Setting]] = []


def declare(*settings: Setting) -> tuple[Setting, ...]:
    """Declare settings (the core's in ``core.py``, a plugin's at its module level);
    declaring the same one again changes nothing."""
    for setting in settings:
        if "<" in setting.name:
            # re.escape leaves < and > alone: each <part> is one name.
            escaped = re.escape(setting.name)
            pattern = re.compile(re.sub(r"<[a-z_]+>", "[A-Za-z0-9_-]+", escaped) + "$")
            if all(known.name != setting.name for _, known in _PATTERNS):
                _PATTERNS.append((pattern, setting))
        else:
            _DECLARED[setting.name] = setting
    return settings


def declaration(name: str) -> Setting | None:
    setting = _DECLARED.get(name)
    if setting is None:
        setting = next((s for p, s in _PATTERNS if p.match(name)), None)
    return setting


def setting_value(settings: Mapping, name: str) -> Any:
    """The declared setting ``name`` read from ``settings`` (its default when
    absent or empty); a ``ConfigurationError`` naming it when it is bad."""
    setting = declaration(name)
    if setting is None:
        raise LookupError(f"{name} is not a declared setting (emporium.settings)")
    return setting.read(settings.get(name), name)


def validate(settings: Mapping) -> None:
    """Read every declared setting that ``settings`` holds: the first bad one
    raises a ``ConfigurationError`` naming it."""
    for name, text in settings.items():
        setting = declaration(name) if isinstance(name, str) else None
        if setting is not None:
            setting.read(text, name)


def warn_of_unknown(settings: Mapping) -> list[str]:
    """Log each ``emporium.*`` setting nothing declares (a misspelt name is
    otherwise silently ignored); the names, for tests."""
    unknown = sorted(
        name
        for name in settings
        if isinstance(name, str)
        and name.startswith("emporium.")
        and declaration(name) is None
    )
    for name in unknown:
        log.warning("%s is not a setting of the core or a loaded plugin", name)
    return unknown


def normalize_settings(settings: Mapping) -> dict:
    """The ``.ini``'s settings with the environment's overrides applied."""
    result = dict(settings)
    for setting in _DECLARED.values():
        if setting.environment and os.environ.get(setting.environment):
            result[setting.name] = os.environ[setting.environment]
    return result


# The core's declarations, after the machinery they use.
from emporium.settings.core import CORE  # noqa: E402

__all__ = [
    "CORE",
    "Setting",
    "declare",
    "normalize_settings",
    "setting_value",
    "validate",
    "warn_of_unknown",
]
