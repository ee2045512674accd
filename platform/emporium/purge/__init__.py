"""Purging the proxy tier: the one ``IPurger`` utility (``varnish``), the
pages purged after each commit (``pages``), and the emergency purge's plans
(``plans``).

With ``emporium.purge.proxies`` set it sends HTTP purges to every Varnish
named; without, it is the same purger with no proxy, which records each
purge in the audit log and logs it, so that the admin console and
``emporium purge`` behave the same everywhere. A plugin may register its own
``IPurger`` to replace it.
"""

from pyramid.config import Configurator

from emporium.settings import setting_value


def settings_of(settings) -> dict:
    return {
        name: setting_value(settings, f"emporium.purge.{name}")
        for name in ("proxies", "hosts", "attempts", "timeout")
    }


def includeme(config: Configurator) -> None:
    from emporium.interfaces import IPurger
    from emporium.purge.varnish import VarnishPurger

    registry = config.registry
    options = settings_of(config.get_settings())

    def register() -> None:
        purger = VarnishPurger(
            dbsession_factory=registry["dbsession_factory"], **options
        )
        registry.registerUtility(purger, IPurger)

    config.action("emporium.purge.purger", register)
    config.include("emporium.purge.pages")
    config.include("emporium.purge.plans")
