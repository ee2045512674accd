"""The application factory.

The core is composed from ``includeme`` functions in a fixed order and
committed; then the plugins are included, each committed on its own, so that
they may override the core and a failing plugin is named.
"""

from __future__ import annotations

import os

from pyramid.router import Router
from pyramid_services import find_service_factory
from zope.interface import Interface

from emporium.errors import ConfigurationError
from emporium.plugins import EmporiumConfigurator, include_plugins
from emporium.security.production import check_production
from emporium.settings import normalize_settings, validate, warn_of_unknown
from emporium.themes import check_templates

# Where a request keeps the services it found (in its own ``__dict__``).
_SERVICES = f"{__name__}.services"
_CONTEXT = object()


def find_service(request, iface=Interface, context=_CONTEXT, name: str = ""):
    """``request.find_service(IThing)``: the service factory registered with
    ``config.register_service_factory`` for ``iface`` (the request's context
    and ``name``), called once a request; ``LookupError`` when there is none.

    It stands in for pyramid_services' own, which builds a container for
    each request (and sends an event) before its first look-up: about a
    tenth of the CPU of a cart read. The factories and their registration
    are pyramid_services'; a factory registered for a context is matched by
    the class of the request's context (what it implements)."""
    if context is _CONTEXT:
        context = getattr(request, "context", None)
    kind = None if context is None else type(context)
    made = request.__dict__.get(_SERVICES)
    if made is None:
        made = request.__dict__[_SERVICES] = {}
    key = (iface, kind, name)
    found = made.get(key, _CONTEXT)
    if found is _CONTEXT:
        factory = find_service_factory(request, iface, context=kind, name=name)
        found = made[key] = factory(context, request)
    return found


def configure(settings: dict | None = None) -> EmporiumConfigurator:
    settings = normalize_settings(settings or {})
    # Every declared setting the .ini holds is read once: a bad one is named.
    validate(settings)
    # production.ini refuses default secrets and debug features, by name.
    check_production(settings)
    # Its directives count their calls by plugin (``emporium plugins``).
    config = EmporiumConfigurator(settings=settings)

    # Request ids first: every later log line carries one.
    config.include("emporium.logs")
    # Oversized bodies are refused before anything reads them.
    config.include("emporium.bodysize")
    # The database session and its transaction, then services.
    config.include("emporium.database")
    # Work after commit (cache invalidation, purges) for every request session.
    config.include("emporium.aftercommit")
    config.include("pyramid_services")
    config.add_request_method(find_service, "find_service")
    # Sweepers of unreachable rows (sessions register theirs next).
    config.include("emporium.housekeeping")
    # Server-side sessions with signed ids and CSRF; identity and permissions.
    config.include("emporium.sessions")
    config.include("emporium.security")
    config.include("emporium.audit")
    # Extension points plugins use: sections, migrations, seeders, commands,
    # checks, API.
    config.include("emporium.sections")
    config.include("emporium.migrations")
    config.add_migrations("emporium:versions")
    config.include("emporium.api")
    config.include("emporium.seeding")
    config.include("emporium.commands")
    config.include("emporium.health")
    # Counters at /metrics, then the object cache (it reports to both).
    config.include("emporium.metrics")
    config.include("emporium.cache")
    # Page caching headers from the data a page used; purges after commit.
    config.include("emporium.pagecache")
    # Rendering: themes, then the pages shown when something goes wrong.
    config.include("emporium.themes")
    # Named places on storefront pages that a content plugin fills.
    config.include("emporium.slots")
    config.include("emporium.errorpages")
    # Customer accounts: register, log in, log out.
    config.include("emporium.accounts")
    # Search: the index in-process, or a client of the search servers.
    config.include("emporium.search")
    # Uploaded photos: the media store and the URLs serving it.
    config.include("emporium.media")
    config.add_static_view("static/core", "emporium:static", cache_max_age=3600)
    config.commit()

    include_plugins(config)
    # Every theme and section finds every page's templates, or start-up stops.
    check_templates(config.registry)
    # With every plugin's declarations known: a misspelt name is logged.
    warn_of_unknown(config.registry.settings)
    return config


def main(global_config: dict, **settings) -> Router:
    """Paste entry point: ``pserve development.ini``."""
    settings.setdefault("here", global_config.get("here", os.getcwd()))
    try:
        config = configure(settings)
    except ConfigurationError as exc:
        # One clear line, not a traceback, for a mistake in the .ini or a plugin.
        raise SystemExit(f"emporium: cannot start: {exc}") from None
    return config.make_wsgi_app()
