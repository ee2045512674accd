"""The page cache's side in the app (DESIGN.md section 4): headers made from
the data a page used, surrogate keys, and purges after commit."""

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    from pyramid.events import NewResponse

    from emporium.cache.interfaces import IObjectCache
    from emporium.pagecache.headers import (
        Validators,
        configure,
        finish_on_new_response,
    )

    registry = config.registry
    configure(registry, config.get_settings(), registry.getUtility(IObjectCache))
    config.register_cache_partition(Validators.partition, Validators.ttl)
    config.add_tween("emporium.pagecache.headers.page_record_tween_factory")
    config.add_subscriber(finish_on_new_response, NewResponse)
    # Pages purged after commit, through the purger (Varnish when proxies
    # are configured).
    config.include("emporium.purge")
