"""Emporium's testing kit: the fixtures of a pytest plugin (``plugin``), a
store-aware WebTest client, the seeded catalog, a recording purger and the
conformance check of a store section. ``docs/testing.md`` tells a plugin
author how to use them."""

from emporium.testing.app import (
    DEFAULT_PLUGINS,
    SEED,
    SEED_PRODUCTS,
    build_database,
    make_settings,
)
from emporium.testing.catalog import SeededCatalog, SeededProduct
from emporium.testing.conformance import check_section
from emporium.testing.recording import RecordingPurger

__all__ = [
    "DEFAULT_PLUGINS",
    "SEED",
    "SEED_PRODUCTS",
    "RecordingPurger",
    "SeededCatalog",
    "SeededProduct",
    "StoreClient",
    "build_database",
    "check_section",
    "make_settings",
]


def __getattr__(name: str):
    # WebTest is a test dependency: imported when the client is asked for.
    if name == "StoreClient":
        from emporium.testing.client import StoreClient

        return StoreClient
    raise AttributeError(name)
