"""Themed template lookup.

Templates are found along a search path chosen per request:

1. the host's theme (co-branding), its folders for the current section first;
2. the default theme, likewise;
3. the current section plugin's own templates;
4. the templates of the package that registered the view.

A theme is layered: every folder of ``emporium.themes.directories`` holding
a folder of the theme's name is a layer, in order, followed by the layers
plugins add with ``config.add_theme_templates(theme, spec)``. An earlier
layer wins; a later one fills in what the earlier ones do not define, so a
folder holding one override never hides the rest of the theme.

Pyramid's asset overrides are one per application, so they cannot express
this; a per-request path can. Templates reach their macros through the same
lookup (the ``theme`` name in every template), so overriding ``header.pt``
for one section or one host changes every page that uses it. Start-up
checks that every page template and every macro it names is found for
every theme and section (``check_templates``): a missing one stops start-up
with the lookup path, rather than answering 500 on every page.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from chameleon import PageTemplateFile
from pyramid.config import Configurator
from zope.interface import implementer

from emporium.errors import ConfigurationError
from emporium.interfaces import IThemeLookup
from emporium.settings import setting_value

_COMPILING = threading.RLock()

# Templates rendered outside a view's renderer, through the themes alone.
STANDALONE_TEMPLATES = ("error.pt",)

# How a template names another: ``theme['layout.pt']``; one it only uses
# when present (``tal:condition="'cart_buy.pt' in theme"``) is optional.
_MACRO_REFERENCE = re.compile(r"""theme\[['"]([^'"\]]+)['"]\]""")
_OPTIONAL_REFERENCE = re.compile(r"""['"]([^'"]+)['"]\s+in\s+theme\b""")

# The themes installed with Emporium (the checkout's ``themes/`` is a link
# to this folder).
BUILTIN_THEMES = os.path.join(os.path.dirname(__file__), "builtin_themes")

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def parse_host_themes(value: str | None) -> dict[str, str]:
    """Parse ``host = theme`` lines of ``emporium.themes.hosts``."""
    mapping = {}
    for number, line in enumerate((value or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        host, sep, theme = (part.strip() for part in line.partition("="))
        if not sep or not host or not theme:
            raise ConfigurationError(
                f"emporium.themes.hosts line {number}: expected 'host = theme', "
                f"got {line!r}"
            )
        mapping[host.lower()] = theme
    return mapping


def format_money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    text = f"{amount:,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


class Templates:
    """The templates visible along one search path, by file name."""

    def __init__(self, lookup: ThemeLookup, path: tuple[str, ...]) -> None:
        self.lookup = lookup
        self.path = path

    def find(self, name: str) -> str | None:
        return self.lookup.find(self.path, name)

    def __getitem__(self, name: str) -> PageTemplateFile:
        filename = self.find(name)
        if filename is None:
            raise LookupError(f"template {name!r} not found in: {', '.join(self.path)}")
        return self.lookup.compiled(filename)

    def __contains__(self, name: str) -> bool:
        return self.find(name) is not None


@implementer(IThemeLookup)
class ThemeLookup:
    def __init__(
        self,
        directories: Iterable[str],
        default_theme: str = "default",
        host_themes: dict[str, str] | None = None,
        auto_reload: bool = False,
    ) -> None:
        self.directories = tuple(directories)
        self.default_theme = default_theme
        self.host_themes = host_themes or {}
        self.auto_reload = auto_reload
        # Folders every search path ends with: plugins' shared macros.
        self.shared_folders: list[str] = []
        # Layers plugins add to a theme, after the configured folders'.
        self.plugin_layers: dict[str, list[str]] = {}
        self._paths: dict[tuple, tuple[str, ...]] = {}
        self._found: dict[tuple[tuple[str, ...], str], str | None] = {}
        self._compiled: dict[str, PageTemplateFile] = {}
        # The templates each template file names (the start-up check's).
        self.references: dict[str, list[str]] = {}

    @property
    def themes(self) -> tuple[str, ...]:
        """The themes in use: the default one and the hosts' ones."""
        return tuple(dict.fromkeys((self.default_theme, *self.host_themes.values())))

    def check_themes_exist(self) -> None:
        for theme in self.themes:
            if not self.theme_layers(theme):
                raise ConfigurationError(
                    f"theme {theme!r} not found in emporium.themes.directories "
                    f"({', '.join(self.directories) or 'empty'}) nor added by a "
                    f"plugin"
                )

    def theme_layers(self, theme: str) -> list[str]:
        """The theme's folders, the one that wins first."""
        layers = [
            os.path.join(directory, theme)
            for directory in self.directories
            if os.path.isdir(os.path.join(directory, theme))
        ]
        return layers + self.plugin_layers.get(theme, [])

    def static_folder(self, theme: str) -> str | None:
        """Where the theme's static files are served from: the first layer
        with a ``static/`` folder (a layer of overrides may have none)."""
        for layer in self.theme_layers(theme):
            static = os.path.join(layer, "static")
            if os.path.isdir(static):
                return static
        return None

    def add_layer(self, theme: str, folder: str) -> None:
        layers = self.plugin_layers.setdefault(theme, [])
        if folder not in layers:
            layers.append(folder)
        self._paths.clear()
        self._found.clear()

    def theme_for_host(self, host: str | None) -> str:
        return self.host_themes.get((host or "").lower(), self.default_theme)

    def search_path(
        self, theme: str, section: Any = None, package_templates: str | None = None
    ) -> tuple[str, ...]:
        key = (theme, getattr(section, "name", None), package_templates)
        path = self._paths.get(key)
        if path is None:
            candidates = []
            for name in dict.fromkeys((theme, self.default_theme)):
                layers = self.theme_layers(name)
                if section is not None:
                    candidates += [
                        os.path.join(layer, "sections", section.name)
                        for layer in layers
                    ]
                candidates += [os.path.join(layer, "templates") for layer in layers]
            if section is not None and section.templates:
                candidates.append(section.templates)
            if package_templates:
                candidates.append(package_templates)
            candidates += self.shared_folders
            path = tuple(p for p in dict.fromkeys(candidates) if os.path.isdir(p))
            self._paths[key] = path
        return path

    def find(self, path: tuple[str, ...], name: str) -> str | None:
        key = (path, name)
        if not self.auto_reload and key in self._found:
            return self._found[key]
        found = None
        for folder in path:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                found = candidate
                break
        self._found[key] = found
        return found

    def compiled(self, filename: str) -> PageTemplateFile:
        template = self._compiled.get(filename)
        if template is None:
            # Compiled once, by one thread: CPython's AST constructor fails
            # ("recursion depth mismatch") when threads compile at once, as
            # the first requests to a fresh waitress process do.
            with _COMPILING:
                template = self._compiled.get(filename)
                if template is None:
                    template = PageTemplateFile(
                        filename, auto_reload=self.auto_reload, encoding="utf-8"
                    )
                    template.cook_check()
                    self._compiled[filename] = template
        return template

    def templates(
        self, theme: str, section: Any = None, package_templates: str | None = None
    ) -> Templates:
        return Templates(self, self.search_path(theme, section, package_templates))

    def for_request(self, request, package_templates: str | None = None) -> Templates:
        theme = self.theme_for_host(request.domain)
        return self.templates(theme, request.section, package_templates)


class ThemedRenderer:
    """Pyramid renderer for ``*.pt`` names, resolved through the themes."""

    def __init__(self, info) -> None:
        self.name = info.name.rsplit(":", 1)[-1]
        package = info.package
        base = os.path.dirname(getattr(package, "__file__", "") or "")
        folder = os.path.join(base, "templates")
        self.package_templates = folder if os.path.isdir(folder) else None

    def __call__(self, value: dict, system: dict) -> str:
        request = system["request"]
        lookup = request.registry.getUtility(IThemeLookup)
        templates = lookup.for_request(request, self.package_templates)
        namespace = template_globals(request, templates)
        namespace.update(system)
        namespace.update(value)
        return templates[self.name](**namespace)


def template_globals(request, templates: Templates) -> dict[str, Any]:
    """Names every template can use."""
    section = request.section
    return {
        "theme": templates,
        "request": request,
        "section": section,
        "sections": request.sections,
        "site_title": setting_value(request.registry.settings, "emporium.site_title"),
        "money": format_money,
        "theme_name": request.registry.getUtility(IThemeLookup).theme_for_host(
            request.domain
        ),
    }


def render_template(request, name: str, value: dict) -> str:
    """Render ``name`` for ``request`` outside a view's renderer (error pages)."""
    lookup = request.registry.getUtility(IThemeLookup)
    templates = lookup.for_request(request)
    namespace = template_globals(request, templates)
    namespace.update(value)
    return templates[name](**namespace)


def add_template_folder(config: Configurator, spec: str) -> None:
    """Make a plugin's templates (macros such as a buy button) visible to
    every page, after the theme and the page's own plugin."""
    from pyramid.path import AssetResolver

    folder = AssetResolver().resolve(spec).abspath()
    lookup = config.registry.getUtility(IThemeLookup)
    if folder not in lookup.shared_folders:
        lookup.shared_folders.append(folder)
        lookup._paths.clear()


def add_theme_templates(config: Configurator, theme: str, spec: str) -> None:
    """Add a plugin's folder as a layer of ``theme``, after the configured
    folders: its ``templates/`` and ``sections/<name>/`` fill in what they
    do not define (``config.add_theme_templates("default",
    "emporium_music:themes/default")``)."""
    from pyramid.path import AssetResolver

    folder = AssetResolver().resolve(spec).abspath()
    if not os.path.isdir(folder):
        raise ConfigurationError(
            f"add_theme_templates({theme!r}, {spec!r}): no folder {folder}"
        )
    config.registry.getUtility(IThemeLookup).add_layer(theme, folder)


def _view_templates(registry) -> set[tuple[str, str | None]]:
    """(template name, package templates folder) of every themed view."""
    found = set()
    for entry in registry.introspector.get_category("templates") or ():
        renderer = entry["introspectable"]["renderer"]
        if not renderer.name.endswith(".pt"):
            continue
        info = ThemedRenderer(renderer)
        found.add((info.name, info.package_templates))
    return found


def check_templates(registry) -> None:
    """Stop start-up when a page template, or a template it names with
    ``theme['...']``, is found nowhere along a theme's lookup path."""
    from emporium.sections import get_sections

    lookup = registry.getUtility(IThemeLookup)
    lookup.check_themes_exist()
    wanted = _view_templates(registry)
    wanted |= {(name, None) for name in STANDALONE_TEMPLATES}
    for theme in lookup.themes:
        for section in (None, *get_sections(registry)):
            for name, package_templates in sorted(wanted, key=str):
                path = lookup.search_path(theme, section, package_templates)
                _check_one(lookup, path, name, theme, section, set())


def _references(filename: str, cache: dict[str, list[str]]) -> list[str]:
    if filename not in cache:
        with open(filename, encoding="utf-8") as handle:
            text = handle.read()
        optional = set(_OPTIONAL_REFERENCE.findall(text))
        cache[filename] = [
            name for name in _MACRO_REFERENCE.findall(text) if name not in optional
        ]
    return cache[filename]


def _check_one(lookup, path, name, theme, section, seen: set) -> None:
    if name in seen:
        return
    seen.add(name)
    filename = lookup.find(path, name)
    if filename is None:
        where = f"theme {theme!r}" + (
            f", section {section.name!r}" if section is not None else ""
        )
        raise ConfigurationError(
            f"template {name!r} ({where}) not found in: "
            f"{', '.join(path) or 'no folder'}"
        )
    for macro in _references(filename, lookup.references):
        _check_one(lookup, path, macro, theme, section, seen)


def theme_directories(settings) -> list[str]:
    """The folders of ``emporium.themes.directories`` (paths or asset specs
    such as ``emporium:builtin_themes``); unset, ``<here>/themes`` when that
    folder exists, then the themes installed with Emporium, so that an .ini
    anywhere has the default theme."""
    from pyramid.path import AssetResolver

    configured = setting_value(settings, "emporium.themes.directories")
    if not configured:
        here = settings.get("here")
        local = os.path.join(here, "themes") if here else None
        configured = [d for d in (local, BUILTIN_THEMES) if d and os.path.isdir(d)]
    folders: dict[str, str] = {}
    for entry in configured:
        if ":" in entry and not os.path.isabs(entry):
            entry = AssetResolver().resolve(entry).abspath()
        # The checkout's link and the folder it names are one layer.
        folders.setdefault(os.path.realpath(entry), os.path.abspath(entry))
    return list(folders.values())


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    lookup = ThemeLookup(
        directories=theme_directories(settings),
        default_theme=setting_value(settings, "emporium.themes.default"),
        host_themes=parse_host_themes(setting_value(settings, "emporium.themes.hosts")),
        auto_reload=setting_value(settings, "pyramid.reload_templates"),
    )
    config.registry.registerUtility(lookup, IThemeLookup)
    config.add_directive("add_template_folder", add_template_folder)
    config.add_directive("add_theme_templates", add_theme_templates)
    config.add_renderer(".pt", ThemedRenderer)
    # Each theme's static files, at /themes/<name>/.
    for theme in {lookup.default_theme, *lookup.host_themes.values()}:
        static = lookup.static_folder(theme)
        if static is not None:
            config.add_static_view(f"themes/{theme}", static, cache_max_age=3600)
