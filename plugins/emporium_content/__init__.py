"""The content plugin: editorial pages at ``/pages/<slug>`` and the entries
that fill the slots themes declare on the home page, section fronts and
category pages, each with a publish window that caps the cache lifetime of
the pages that show it (docs/content.md)."""

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    from emporium.slots import ISlotFiller
    from emporium_content import views
    from emporium_content.interfaces import IContentPages
    from emporium_content.models import ContentItem
    from emporium_content.services import PARTITION, TTL, ContentService
    from emporium_content.writes import changed_keys, purge_keys

    registry = config.registry
    config.add_migrations("emporium_content:migrations")
    config.register_cache_partition(PARTITION, TTL)
    service = ContentService.of(registry)
    registry.registerUtility(service, ISlotFiller)
    registry.registerUtility(service, IContentPages)
    # A saved item's cached records go after commit; the pages showing it
    # are purged when it is or was published.
    config.register_cache_keys(ContentItem, changed_keys)
    config.register_purge_keys(ContentItem, purge_keys)
    config.add_route("content.page", r"/pages/{slug:[a-z0-9][a-z0-9-]{0,119}}")
    config.add_view(
        views.content_page,
        route_name="content.page",
        renderer="content_page.pt",
        request_method="GET",
    )
    # The console's screens, when the admin plugin is enabled.
    if hasattr(config, "add_admin_route"):
        config.include("emporium_content.admin")
