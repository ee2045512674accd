from __future__ import annotations

from datetime import timedelta

from pyramid.config import Configurator
from pyramid.viewderivers import INGRESS

from emporium.errors import ConfigurationError
from emporium.interfaces import ISessionFactory
from emporium.sessions.csrf import SessionBoundCSRFPolicy, uses_session
from emporium.sessions.session import SessionConfig, SessionFactory
from emporium.sessions.signing import SessionIdSigner
from emporium.sessions.sweeping import ExpiredSessions
from emporium.settings import setting_value


def session_keys(settings) -> list[bytes]:
    keys = setting_value(settings, "emporium.session.secret") or []
    if not keys:
        raise ConfigurationError(
            "emporium.session.secret is not set (one or more keys, the first signs)"
        )
    return [key.encode() for key in keys]


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    session_config = SessionConfig(
        cookie_name=setting_value(settings, "emporium.session.cookie_name"),
        idle_timeout=timedelta(
            seconds=setting_value(settings, "emporium.session.idle_timeout")
        ),
        absolute_timeout=timedelta(
            seconds=setting_value(settings, "emporium.session.absolute_timeout")
        ),
        secure=setting_value(settings, "emporium.session.secure"),
    )
    # An id carries its issue time: past the absolute timeout it is refused.
    signer = SessionIdSigner(
        session_keys(settings), session_config.absolute_timeout.total_seconds()
    )
    factory = SessionFactory(signer, session_config)
    config.registry.registerUtility(factory, ISessionFactory)
    # `emporium sweep` removes the rows of expired sessions.
    config.add_sweeper(ExpiredSessions(session_config), "sessions")
    config.set_session_factory(factory)

    policy = SessionBoundCSRFPolicy(factory)
    config.set_csrf_storage_policy(policy)
    # Every unsafe request must carry the token, in the form or the header.
    config.set_default_csrf_options(
        require_csrf=True, token="csrf_token", header="X-CSRF-Token"
    )
    # Outermost, so that permission and CSRF checks see the stand-in too.
    config.add_view_deriver(uses_session, under=INGRESS, over="secured_view")
