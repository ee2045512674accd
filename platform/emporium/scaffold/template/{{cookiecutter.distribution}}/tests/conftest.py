"""The plugins the tests' store enables: Emporium's testing kit (the
``emporium.testing`` pytest plugin, installed with Emporium) builds a
throwaway database with them, migrated and seeded."""

import pytest


@pytest.fixture(scope="session")
def emporium_plugins() -> str:
    return "catalog cart admin {{ cookiecutter.section }}"
