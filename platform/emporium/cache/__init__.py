"""The multi-tier object cache (DESIGN.md section 4): per-process memory, a
host-local store shared by the host's workers, Redis shared by the app
servers; invalidation after commit in every tier of every process."""

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    from pyramid.events import ApplicationCreated, NewRequest

    from emporium.cache.interfaces import IObjectCache
    from emporium.cache.metrics import CacheCollector, check_cache
    from emporium.cache.render import install_memo
    from emporium.cache.services import cache_from_settings
    from emporium.sections import get_sections
    from emporium.settings import setting_value

    cache = cache_from_settings(config.get_settings())
    config.registry.registerUtility(cache, IObjectCache)

    def register_cache_partition(config: Configurator, name: str, ttl: float) -> None:
        """Directive: a cache partition and its default time-to-live, which a
        ``cache.ttl.<name>`` setting overrides."""
        config.action(None, lambda: cache.register_partition(name, ttl))

    def section_partitions(event) -> None:
        # Sections declare their partitions; plugins come after the core.
        for section in get_sections(event.app.registry):
            for name, ttl in section.partitions.items():
                cache.register_partition(name, ttl)

    settings = config.get_settings()
    pages = setting_value(settings, "cache.render.max_items")
    if setting_value(settings, "pyramid.reload_templates"):
        pages = 0  # a template edited on disk must show at once
    memo = install_memo(config.registry, pages)

    config.add_directive("register_cache_partition", register_cache_partition)
    config.add_subscriber(section_partitions, ApplicationCreated)
    # Each request starts from what other processes have invalidated.
    config.add_subscriber(lambda event: cache.catch_up(), NewRequest)
    config.include("emporium.cache.invalidation")
    config.include("emporium.cache.request")
    config.add_health_check("cache", check_cache)
    config.add_metrics_collector(CacheCollector(cache, memo))
