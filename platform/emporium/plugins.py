"""Plugin discovery: packages registered under the ``emporium.plugins``
entry-point group, enabled and ordered by the ``emporium.plugins`` setting.

A plugin module may declare what it needs, checked before it is included:
``REQUIRES = ("catalog",)`` (plugins enabled before it) and
``CORE_VERSIONS = ">=0.1,<1"`` (the Emporium versions it supports, a version
specifier). Each plugin's use of the core's directives is recorded, for
``emporium plugins``.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, entry_points, version

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version
from pyramid.config import Configurator

from emporium.errors import PluginError
from emporium.settings import setting_value, validate

ENTRY_POINT_GROUP = "emporium.plugins"
_LOADED = f"{__name__}.loaded"

log = logging.getLogger(__name__)

_RECORDS = f"{__name__}.records"
_INCLUDING = f"{__name__}.including"


@dataclass
class LoadedPlugin:
    """A plugin an application included, and what it used of the core."""

    name: str
    module: str
    version: str | None
    requires: tuple[str, ...] = ()
    uses: Counter = field(default_factory=Counter)

    @property
    def package(self) -> str:
        return self.module.split(":", 1)[0].split(".", 1)[0]


def plugin_records(registry) -> list[LoadedPlugin]:
    """The plugins included, in order, with what each used of the core
    (``emporium plugins`` lists them)."""
    return list(registry.get(_RECORDS, ()))


def core_version() -> str:
    try:
        return version("emporium")
    except PackageNotFoundError:  # a checkout on sys.path, not installed
        return "0"


def distribution_version(entry_point) -> str | None:
    dist = getattr(entry_point, "dist", None)
    return dist.version if dist is not None else None


def check_requirements(name: str, module, loaded: list[str]) -> None:
    """Refuse, in one line naming the plugin, a plugin whose requirements
    are not enabled before it or whose supported core versions exclude
    this one."""
    for required in getattr(module, "REQUIRES", ()):
        if required not in loaded:
            raise PluginError(
                f"plugin {name!r} requires plugin {required!r}, enabled before it "
                f"in emporium.plugins (enabled before it: "
                f"{', '.join(loaded) or 'none'})"
            )
    supported = getattr(module, "CORE_VERSIONS", None)
    if supported is None:
        return
    try:
        specifier = SpecifierSet(supported)
    except InvalidSpecifier:
        raise PluginError(
            f"plugin {name!r}: CORE_VERSIONS {supported!r} is not a version specifier"
        ) from None
    core = core_version()
    if Version(core) not in specifier:
        raise PluginError(
            f"plugin {name!r} supports Emporium {supported}, not this Emporium {core}"
        )


class EmporiumConfigurator(Configurator):
    """The application's Configurator: every directive added to it (the
    core's ``add_store_section``, ``add_migrations``, ...) counts its calls
    for the plugin being included, which ``emporium plugins`` lists."""

    def add_directive(self, name, directive, action_wrap=True):
        directive = self.maybe_dotted(directive)

        @functools.wraps(directive)
        def counted(config, *args, **kwargs):
            uses = config.registry.get(_INCLUDING)
            if uses is not None:
                uses[name] += 1
            return directive(config, *args, **kwargs)

        return super().add_directive(name, counted, action_wrap=action_wrap)


@contextmanager
def _recording_directives(config: Configurator, uses: Counter):
    """Count the directives called while one plugin is included."""
    config.registry[_INCLUDING] = uses
    try:
        yield
    finally:
        del config.registry[_INCLUDING]


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
        check_requirements(name, module, loaded)
        # The plugin's own settings (its module's SETTINGS), read once.
        validate(config.registry.settings)
        plugin = LoadedPlugin(
            name,
            entry_point.value,
            distribution_version(entry_point),
            tuple(getattr(module, "REQUIRES", ())),
        )
        try:
            with _recording_directives(config, plugin.uses):
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
        config.registry.setdefault(_RECORDS, []).append(plugin)
        log.debug("loaded plugin %s from %s", name, entry_point.value)
    config.registry[_LOADED] = tuple(loaded)
    return loaded


def loaded_plugins(registry) -> tuple[str, ...]:
    """The names of the plugins this application loaded, in order."""
    return registry.get(_LOADED, ())
