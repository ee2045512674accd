"""Plugin discovery: packages registered under the ``emporium.plugins``
entry-point group, enabled and ordered by the ``emporium.plugins`` setting.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

from pyramid.config import Configurator

from emporium.errors import PluginError
from emporium.settings import setting_value, validate

ENTRY_POINT_GROUP = "emporium.plugins"
_LOADED = f"{__name__}.loaded"

log = logging.getLogger(__name__)


def enabled_plugins(settings) -> list[str]:
    """The plugin names the setting enables, in order, without repeats."""
    names: list[str] = []
    for name in setting_value(settings, "emporium.plugins"):
        if name not in names:
            names.append(name)
    return names


def installed_plugins() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def include_plugins(config: Configurator) -> list[str]:
    """Include every enabled plugin, committing after each one so that a
    failure, at include or at commit, is reported with the plugin's name."""
    installed = installed_plugins()
    loaded = []
    for name in enabled_plugins(config.registry.settings):
        entry_point = installed.get(name)
        if entry_point is None:
            known = ", ".join(sorted(installed)) or "none"
            raise PluginError(
                f"plugin {name!r} is enabled in emporium.plugins but not installed "
                f"(installed plugins: {known})"
            )
        try:
            module = entry_point.load()
        except Exception as exc:
            raise PluginError(
                f"plugin {name!r} ({entry_point.value}) failed to load: "
                f"{type(exc).__name__}: {_first_line(exc)}"
            ) from exc
        # The plugin's own settings (its module's SETTINGS), read once.
        validate(config.registry.settings)
        try:
            config.include(module)
            config.commit()
        except PluginError:
            raise
        except Exception as exc:
            raise PluginError(
                f"plugin {name!r} ({entry_point.value}) failed to load: "
                f"{type(exc).__name__}: {_first_line(exc)}"
            ) from exc
        loaded.append(name)
        log.debug("loaded plugin %s from %s", name, entry_point.value)
    config.registry[_LOADED] = tuple(loaded)
    return loaded


def loaded_plugins(registry) -> tuple[str, ...]:
    """The names of the plugins this application loaded, in order."""
    return registry.get(_LOADED, ())
