from __future__ import annotations

from pyramid.config import Configurator

from emporium.interfaces import IPasswordHasher, IThrottle, ITokenSealer
from emporium.security.passwords import Argon2Hasher
from emporium.security.policy import SessionSecurityPolicy
from emporium.security.throttle import Throttle, throttled_view
from emporium.security.tokens import TokenSealer
from emporium.settings import setting_value


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    hasher = Argon2Hasher(
        time_cost=setting_value(settings, "emporium.passwords.time_cost"),
        memory_cost=setting_value(settings, "emporium.passwords.memory_cost"),
    )
    config.registry.registerUtility(hasher, IPasswordHasher)
    config.set_security_policy(SessionSecurityPolicy())
    # Without a key of their own, tokens use keys derived from the session's.
    token_keys = setting_value(settings, "emporium.tokens.secret") or [
        f"tokens:{key}"
        for key in setting_value(settings, "emporium.session.secret") or []
    ]
    config.registry.registerUtility(TokenSealer(token_keys), ITokenSealer)
    config.registry.registerUtility(Throttle(settings), IThrottle)
    config.add_view_deriver(throttled_view, under="INGRESS", over="secured_view")
    # Paths, queries and forms that cannot be read are refused as 400.
    config.include("emporium.security.wellformed")
    # The proxy tween runs first: everything after sees the real client.
    config.add_tween(
        "emporium.security.headers.proxy_tween_factory",
        over="emporium.logs.request_id_tween_factory",
    )
    config.add_tween(
        "emporium.security.headers.security_headers_tween_factory",
        under="emporium.logs.request_id_tween_factory",
    )
