"""Schema migrations with Alembic, one version history per plugin.

Each plugin declares its version folder with ``config.add_migrations(spec)``
and gets its own version table (``alembic_version_<package>``), the way
Kotti's add-ons do: enabling, disabling or reordering plugins never leaves
the database pointing at a revision Alembic cannot find. Plugins are
migrated in the order ``emporium.plugins`` lists them, so a plugin's tables
may refer to those of the plugins before it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from pyramid.config import Configurator
from pyramid.path import AssetResolver
from sqlalchemy import MetaData, Table
from sqlalchemy.engine import Engine

_UNITS = f"{__name__}.units"

# The Alembic environment every version history runs in, installed with the
# package, so that an .ini anywhere can migrate (``[alembic] script_location``
# overrides it; the checkout's ``migrations/`` is a link to this folder).
SCRIPT_LOCATION = os.path.join(os.path.dirname(__file__), "alembic_env")


@dataclass(frozen=True)
class MigrationUnit:
    name: str
    versions: str

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.name}"


def add_migrations(config: Configurator, spec: str) -> None:
    """Declare the Alembic version folder of the calling plugin.

    ``spec`` is an asset spec such as ``"emporium_catalog:migrations"``; the
    package name names the unit and its version table.
    """
    package = spec.split(":", 1)[0]
    unit = MigrationUnit(package, AssetResolver().resolve(spec).abspath())
    if not os.path.isdir(unit.versions):
        raise FileNotFoundError(f"migrations folder {unit.versions} does not exist")
    units = config.registry.setdefault(_UNITS, [])
    if unit not in units:
        units.append(unit)


def migration_units(registry) -> list[MigrationUnit]:
    return list(registry.get(_UNITS, []))


def alembic_config(script_location: str, unit: MigrationUnit, connection=None):
    # Imported here: Alembic is for the migrate command, not for start-up.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", script_location)
    config.set_main_option("version_locations", unit.versions)
    config.set_main_option("path_separator", "os")
    config.attributes["version_table"] = unit.version_table
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(
    engine: Engine, units: Iterable[MigrationUnit], script_location: str
) -> None:
    """Bring every unit to its head, in order, each in its own transaction."""
    from alembic import command

    for unit in units:
        with engine.begin() as connection:
            command.upgrade(alembic_config(script_location, unit, connection), "head")


def downgrade(
    engine: Engine, units: Iterable[MigrationUnit], script_location: str
) -> None:
    """Take every unit back to an empty schema, the last plugin first: its
    tables go, and then its version table, so that nothing of it is left."""
    from alembic import command

    for unit in reversed(list(units)):
        with engine.begin() as connection:
            command.downgrade(alembic_config(script_location, unit, connection), "base")
            Table(unit.version_table, MetaData()).drop(connection, checkfirst=True)


def current(engine: Engine, units: Iterable[MigrationUnit]) -> dict[str, str | None]:
    """The revision each unit's version table records (None when unmigrated)."""
    from alembic.runtime.migration import MigrationContext

    revisions = {}
    with engine.connect() as connection:
        for unit in units:
            context = MigrationContext.configure(
                connection, opts={"version_table": unit.version_table}
            )
            revisions[unit.name] = context.get_current_revision()
    return revisions


def includeme(config: Configurator) -> None:
    config.add_directive("add_migrations", add_migrations)
