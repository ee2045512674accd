"""Purging the proxy tier: the Varnish ``IPurger``, registered when
``emporium.purge.proxies`` names proxies."""

from pyramid.config import Configurator


def settings_of(settings) -> dict:
    return {
        "proxies": (settings.get("emporium.purge.proxies") or "").split(),
        "hosts": (settings.get("emporium.purge.hosts") or "").split(),
        "attempts": int(settings.get("emporium.purge.attempts", 3)),
        "timeout": float(settings.get("emporium.purge.timeout", 2.0)),
    }


def includeme(config: Configurator) -> None:
    from emporium.interfaces import IPurger
    from emporium.purge.varnish import VarnishPurger

    registry = config.registry
    options = settings_of(config.get_settings())

    def make() -> VarnishPurger:
        return VarnishPurger(sessions=registry["dbsession_factory"], **options)

    if options["proxies"]:
        config.action(
            "emporium.purge.purger",
            lambda: registry.registerUtility(make(), IPurger),
        )
    # Without proxies the admin console's recording purger serves; a command
    # run without one records and logs with ``recording_purger``.


def recording_purger(registry):
    """A purger with no proxy: each purge is recorded in the audit log and
    logged."""
    from emporium.purge.varnish import VarnishPurger

    return VarnishPurger((), registry["dbsession_factory"])
