from __future__ import annotations

from pyramid.config import Configurator

from emporium.interfaces import IPasswordHasher
from emporium.security.passwords import Argon2Hasher
from emporium.security.policy import SessionSecurityPolicy


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    hasher = Argon2Hasher(
        time_cost=int(settings.get("emporium.passwords.time_cost", 3)),
        memory_cost=int(settings.get("emporium.passwords.memory_cost", 65536)),
    )
    config.registry.registerUtility(hasher, IPasswordHasher)
    config.set_security_policy(SessionSecurityPolicy())
