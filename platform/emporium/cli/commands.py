"""Database commands: migrate, revision, seed."""

from __future__ import annotations

import time

import click
from alembic import command
from sqlalchemy.orm import Session

from emporium import migrations
from emporium.cli.bootstrap import load
from emporium.events import SchemaMigrated
from emporium.plugins import plugin_records
from emporium.sections import get_sections
from emporium.seeding import get_seeders

ini_argument = click.argument("ini", metavar="INI", type=click.Path(dir_okay=False))


@click.command()
@ini_argument
@click.option(
    "--downgrade", is_flag=True, help="Take every plugin back to an empty schema."
)
@click.option(
    "--plugin",
    "plugin",
    default=None,
    help="Only this plugin's history (its name in emporium.plugins or package).",
)
def migrate(ini: str, downgrade: bool, plugin: str | None) -> None:
    """Bring the database schema of the core and every enabled plugin to head.

    With --plugin, only that plugin's tables: --plugin NAME --downgrade
    removes them and nothing else.
    """
    env = load(ini)
    units = migrations.migration_units(env.registry)
    if plugin is not None:
        units = [plugin_unit(env.registry, units, plugin)]
        if downgrade:
            refuse_while_required(env.registry, units[0])
    before = migrations.current(env.engine, units)
    if downgrade:
        migrations.downgrade(env.engine, units, env.script_location)
    else:
        migrations.upgrade(env.engine, units, env.script_location)
    for name, revision_id in migrations.current(env.engine, units).items():
        click.echo(f"{name}: {revision_id or 'empty'}")
        if revision_id != before[name]:
            # What was cached under the old schema goes (the catalog listens).
            env.registry.notify(
                SchemaMigrated(env.registry, name, before[name], revision_id)
            )
            if revision_id is not None:
                suggest_reindex(env, name)


def suggest_reindex(env, unit: str) -> None:
    """A plugin's sections with facets need them in the search index."""
    for section in get_sections(env.registry):
        model = section.details_model
        if model is None or model.__module__.split(".", 1)[0] != unit:
            continue
        facets = [f.name for f in section.fields if f.facet]
        if facets:
            click.echo(
                f"section {section.name!r} has facets ({', '.join(facets)}): "
                f"run emporium reindex {env.config_uri} to offer them in search"
            )


def plugin_unit(registry, units, plugin: str) -> migrations.MigrationUnit:
    """The version history of ``plugin``, named as emporium.plugins names
    it or by its package."""
    packages = {p.name: p.package for p in plugin_records(registry)}
    by_name = {unit.name: unit for unit in units}
    unit = by_name.get(packages.get(plugin, plugin))
    if unit is None or unit.name == "emporium":
        known = [n for n, package in packages.items() if package in by_name]
        raise click.BadParameter(
            f"{plugin!r} is no enabled plugin with migrations "
            f"(these have: {', '.join(known) or 'none'})",
            param_hint="--plugin",
        )
    return unit


def refuse_while_required(registry, unit: migrations.MigrationUnit) -> None:
    """A plugin's tables stay while an enabled plugin requires it."""
    plugins = plugin_records(registry)
    names = [p.name for p in plugins if p.package == unit.name]
    dependents = [p.name for p in plugins if set(names) & set(p.requires)]
    if dependents:
        raise click.ClickException(
            f"{', '.join(names)} is required by {', '.join(dependents)}, enabled "
            f"in emporium.plugins: disable and downgrade those first"
        )


@click.command()
@ini_argument
@click.option(
    "--plugin", required=True, help="Package whose history gets the revision."
)
@click.option("-m", "--message", required=True, help="What the revision changes.")
def revision(ini: str, plugin: str, message: str) -> None:
    """Create an empty migration in a plugin's version history."""
    env = load(ini)
    units = {u.name: u for u in migrations.migration_units(env.registry)}
    if plugin not in units:
        raise click.BadParameter(
            f"{plugin!r} has no migrations (known: {', '.join(sorted(units))})",
            param_hint="--plugin",
        )
    unit = units[plugin]
    config = migrations.alembic_config(env.script_location, unit)
    config.set_main_option("sqlalchemy.url", str(env.engine.url))
    command.revision(config, message=message, head="head", version_path=unit.versions)


@click.command()
@ini_argument
@click.option(
    "--products",
    type=click.IntRange(min=0, max=10_000_000),
    default=2000,
    show_default=True,
    help="How many products to create.",
)
@click.option(
    "--if-empty", is_flag=True, help="Do nothing when products already exist."
)
@click.option(
    "--random-seed", type=int, default=None, help="Make the catalog repeatable."
)
@click.option(
    "--section",
    "sections",
    multiple=True,
    help="Only this section's products (repeat for more).",
)
def seed(
    ini: str,
    products: int,
    if_empty: bool,
    random_seed: int | None,
    sections: tuple[str, ...],
) -> None:
    """Fill the database with a realistic demo catalog across the sections."""
    env = load(ini)
    seeders = get_seeders(env.registry)
    if not seeders:
        raise click.ClickException("no enabled plugin provides demo data")
    known = [s.name for s in get_sections(env.registry)]
    unknown = [name for name in sections if name not in known]
    if unknown:
        raise click.BadParameter(
            f"no section {unknown[0]!r} (sections: {', '.join(known)})",
            param_hint="--section",
        )
    only = {"sections": sections} if sections else {}
    for seeder in seeders:
        with Session(env.engine) as dbsession:
            if if_empty and not seeder.is_empty(dbsession):
                click.echo("the catalog already has products; nothing seeded")
                continue
            started = time.perf_counter()
            with click.progressbar(
                length=products, label="seeding products", show_pos=True
            ) as bar:
                created = seeder.seed(
                    dbsession, products, bar.update, seed=random_seed, **only
                )
            elapsed = time.perf_counter() - started
            rate = created / elapsed if elapsed else 0.0
            click.echo(
                f"seeded {created} products in {elapsed:.1f} s ({rate:,.0f} products/s)"
            )
