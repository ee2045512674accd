"""Themed template lookup.

Templates are found along a search path chosen per request:

1. the host's theme (co-branding), its folder for the current section first;
2. the default theme, likewise;
3. the current section plugin's own templates;
4. the templates of the package that registered the view.

Pyramid's asset overrides are one per application, so they cannot express
this; a per-request path can. Templates reach their macros through the same
lookup (the ``theme`` name in every template), so overriding ``header.pt``
for one section or one host changes every page that uses it.
"""

from __future__ import annotations

import os
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
        self._paths: dict[tuple, tuple[str, ...]] = {}
        self._found: dict[tuple[tuple[str, ...], str], str | None] = {}
        self._compiled: dict[str, PageTemplateFile] = {}
        for theme in {default_theme, *self.host_themes.values()}:
            if self.theme_folder(theme) is None:
                raise ConfigurationError(
                    f"theme {theme!r} not found in emporium.themes.directories "
                    f"({', '.join(self.directories) or 'empty'})"
                )

    def theme_folder(self, theme: str) -> str | None:
        for directory in self.directories:
            folder = os.path.join(directory, theme)
            if os.path.isdir(folder):
                return folder
        return None

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
                folder = self.theme_folder(name)
                if folder is None:
                    continue
                if section is not None:
                    candidates.append(os.path.join(folder, "sections", section.name))
                candidates.append(os.path.join(folder, "templates"))
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


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    directories = setting_value(settings, "emporium.themes.directories")
    if not directories:
        raise ConfigurationError("emporium.themes.directories is not set")
    lookup = ThemeLookup(
        directories=[os.path.abspath(d) for d in directories],
        default_theme=setting_value(settings, "emporium.themes.default"),
        host_themes=parse_host_themes(setting_value(settings, "emporium.themes.hosts")),
        auto_reload=setting_value(settings, "pyramid.reload_templates"),
    )
    config.registry.registerUtility(lookup, IThemeLookup)
    config.add_directive("add_template_folder", add_template_folder)
    config.add_renderer(".pt", ThemedRenderer)
    # Each theme's static files, at /themes/<name>/.
    for theme in {lookup.default_theme, *lookup.host_themes.values()}:
        static = os.path.join(lookup.theme_folder(theme) or "", "static")
        if os.path.isdir(static):
            config.add_static_view(f"themes/{theme}", static, cache_max_age=3600)
