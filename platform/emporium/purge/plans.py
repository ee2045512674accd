"""The emergency purge's plan: what purging a value in a mode will hit,
shown before it runs, and running it through the ``IPurger``.

A mode is one small function from the value typed to a ``PurgePlan``, and
the purger method that sends it. The core knows two (one URL, every URL
under a prefix); a plugin adds its own with ``config.add_purge_mode`` (the
catalog: every page showing a product, a category) and tells what lies
under a prefix with ``config.add_prefix_pages``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pyramid.config import Configurator

from emporium.errors import InvalidInput
from emporium.interfaces import PurgeResult
from emporium.sections import get_sections

MAX_URL = 2000
SAMPLE = 20
_MODES = f"{__name__}.modes"
_PREFIX_PAGES = f"{__name__}.prefix_pages"


@dataclass
class PurgePlan:
    mode: str
    value: str
    targets: list[str]
    summary: str
    pages: list[str] = field(default_factory=list)
    more: int = 0


Planner = Callable[[object, str], PurgePlan]  # (request, value)
Sender = Callable[[object, PurgePlan, str], list[PurgeResult]]  # (purger, ...)
# (request, prefix) -> (some pages under it, how many more, what they are)
PrefixPages = Callable[[object, str], tuple[list[str], int, str]]


@dataclass(frozen=True)
class PurgeMode:
    label: str
    plan: Planner
    send: Sender


def by_keys(purger, plan: PurgePlan, actor: str) -> list[PurgeResult]:
    return purger.purge_keys(plan.targets, actor)


def add_purge_mode(
    config: Configurator, name: str, label: str, plan: Planner, send: Sender = by_keys
) -> None:
    """Directive: a mode of the emergency purge. ``plan(request, value)``
    returns the ``PurgePlan`` or raises ``InvalidInput`` naming ``target``;
    ``send(purger, plan, actor)`` purges it (by default, ``plan.targets`` as
    surrogate keys)."""
    registry = config.registry

    def register() -> None:
        registry.setdefault(_MODES, {})[name] = PurgeMode(label, plan, send)

    config.action((_MODES, name), register)


def add_prefix_pages(config: Configurator, pages: PrefixPages) -> None:
    """Directive: ``pages(request, prefix)`` returns some of the pages of a
    plugin under ``prefix``, how many more there are and what they are
    (``"product pages"``), for the plan of a prefix purge."""
    registry = config.registry
    config.action(None, lambda: registry.setdefault(_PREFIX_PAGES, []).append(pages))


def purge_modes(registry) -> dict[str, str]:
    """Each mode's name and label, in the order they were added."""
    return {name: mode.label for name, mode in registry.get(_MODES, {}).items()}


def plan_purge(request, mode: str, value: str) -> PurgePlan:
    """What purging ``value`` in ``mode`` will hit; raises ``InvalidInput``."""
    modes = request.registry.get(_MODES, {})
    if mode not in modes:
        raise InvalidInput("mode", f"must be one of {', '.join(modes)}")
    return modes[mode].plan(request, value)


def run_purge(request, purger, plan: PurgePlan, actor: str) -> list[PurgeResult]:
    """Send the plan to the purger; returns its results."""
    return request.registry[_MODES][plan.mode].send(purger, plan, actor)


def path_of(value: str) -> str:
    """The path (and query) of a URL or path typed in; raises ``InvalidInput``."""
    value = value.strip()
    if not value:
        raise InvalidInput("target", "enter a URL or a path such as /products/42")
    if len(value) > MAX_URL:
        raise InvalidInput("target", f"must be at most {MAX_URL} characters")
    parts = urlsplit(value)
    if parts.scheme and parts.scheme not in ("http", "https"):
        raise InvalidInput("target", "must be an http(s) URL or a path")
    path = parts.path or "/"
    if not path.startswith("/") or any(c.isspace() for c in value):
        raise InvalidInput("target", "must be a path starting with / or a full URL")
    return path + (f"?{parts.query}" if parts.query else "")


def _plan_url(request, value: str) -> PurgePlan:
    path = path_of(value)
    return PurgePlan("url", value, [path], f"the page {path}", [path])


def _plan_prefix(request, value: str) -> PurgePlan:
    prefix = path_of(value).split("?", 1)[0]
    registry = request.registry
    pages = [s.prefix for s in get_sections(registry) if s.prefix.startswith(prefix)]
    summary = f"every cached URL that starts with {prefix}"
    more = 0
    for pages_under in registry.get(_PREFIX_PAGES, ()):
        found, uncounted, what = pages_under(request, prefix)
        pages += found
        more += uncounted
        if uncounted:
            summary += f", {uncounted} {what} among them"
    shown = pages[:SAMPLE]
    more += len(pages) - len(shown)
    return PurgePlan("prefix", value, [prefix], summary, shown, more)


def _by_urls(purger, plan: PurgePlan, actor: str) -> list[PurgeResult]:
    return purger.purge_urls(plan.targets, actor)


def _by_prefix(purger, plan: PurgePlan, actor: str) -> list[PurgeResult]:
    return purger.purge_prefix(plan.targets[0], actor)


def includeme(config: Configurator) -> None:
    config.add_directive("add_purge_mode", add_purge_mode)
    config.add_directive("add_prefix_pages", add_prefix_pages)
    config.add_purge_mode("url", "One URL", _plan_url, _by_urls)
    config.add_purge_mode(
        "prefix", "Every URL under a prefix", _plan_prefix, _by_prefix
    )
