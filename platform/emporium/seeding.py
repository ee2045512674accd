"""Demo data: plugins register an ``ISeeder``; ``emporium seed`` runs them."""

from __future__ import annotations

from pyramid.config import Configurator

from emporium.interfaces import ISeeder


def add_seeder(config: Configurator, seeder, name: str) -> None:
    """Register ``seeder`` (providing ``ISeeder``) under ``name``."""

    def register() -> None:
        config.registry.registerUtility(seeder, ISeeder, name=name)

    config.action(("emporium.seeder", name), register)


def get_seeders(registry) -> list:
    return [seeder for _, seeder in registry.getUtilitiesFor(ISeeder)]


def includeme(config: Configurator) -> None:
    config.add_directive("add_seeder", add_seeder)
