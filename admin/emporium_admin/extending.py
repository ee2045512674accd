"""How another plugin adds screens to the console: routes under the
console's ACL, views that use its layout, entries in its navigation."""

from __future__ import annotations

from pyramid.config import Configurator

from emporium_admin.resources import USE, AdminRoot

_NAVIGATION = f"{__name__}.navigation"


def navigation(registry) -> list[tuple[str, str, str]]:
    """The (route, label, permission) entries plugins added to the navigation."""
    return registry.get(_NAVIGATION, [])


def add_admin_route(
    config: Configurator,
    name: str,
    pattern: str,
    label: str | None = None,
    permission: str = USE,
) -> None:
    """Directive: a console route (its context the console's root, so its
    ACL applies); with ``label``, an entry in the navigation for people who
    have ``permission``. Templates of such screens use
    ``theme['admin_layout.pt']`` and views return ``request.admin_page(...)``:
    the values the layout needs (navigation, CSRF token, flashes) and theirs."""
    config.add_route(name, pattern, factory=AdminRoot)
    if label:
        registry = config.registry

        def register() -> None:
            registry.setdefault(_NAVIGATION, []).append((name, label, permission))

        config.action(("emporium_admin.nav", name), register)


def add_admin_view(
    config: Configurator, view, route_name: str, permission: str = USE, **options
) -> None:
    """Directive: a console view; it uses the session and needs
    ``permission`` (a merchandiser's by default)."""
    config.add_view(
        view, route_name=route_name, uses_session=True, permission=permission, **options
    )


def _admin_page(request, **values) -> dict:
    from emporium_admin.views import page

    return page(request, **values)


def includeme(config: Configurator) -> None:
    config.add_request_method(_admin_page, "admin_page")
    # The console's layout is found by other plugins' console templates.
    config.add_template_folder("emporium_admin:templates")
    config.add_directive("add_admin_route", add_admin_route)
    config.add_directive("add_admin_view", add_admin_view)
