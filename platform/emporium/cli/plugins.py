"""``emporium plugins INI``: what is installed, what the .ini enables, and
each enabled plugin's version, extension points and migration state."""

from __future__ import annotations

import click

from emporium import migrations
from emporium.cli.bootstrap import load
from emporium.plugins import core_version, installed_plugins, plugin_records


def migration_heads(script_location: str, units) -> dict[str, str | None]:
    """The head revision of each unit's version folder."""
    from alembic.script import ScriptDirectory

    heads = {}
    for unit in units:
        config = migrations.alembic_config(script_location, unit)
        heads[unit.name] = ScriptDirectory.from_config(config).get_current_head()
    return heads


def migration_state(current: str | None, head: str | None) -> str:
    if head is None:
        return "no migrations"
    if current is None:
        return f"not migrated (head {head}): emporium migrate"
    if current == head:
        return f"at head {head}"
    return f"at {current}, head {head}: emporium migrate"


@click.command("plugins")
@click.argument("ini", metavar="INI", type=click.Path(dir_okay=False))
def plugins(ini: str) -> None:
    """List installed and enabled plugins: version, extension points used,
    migration state."""
    env = load(ini)
    loaded = plugin_records(env.registry)
    units = {u.name: u for u in migrations.migration_units(env.registry)}
    current = migrations.current(env.engine, units.values())
    heads = migration_heads(env.script_location, units.values())
    click.echo(f"Emporium {core_version()}")
    click.echo(
        f"core: {migration_state(current.get('emporium'), heads.get('emporium'))}"
    )
    enabled = {p.name for p in loaded}
    for plugin in loaded:
        uses = ", ".join(
            f"{name}×{count}" if count > 1 else name
            for name, count in sorted(plugin.uses.items())
        )
        state = migration_state(current.get(plugin.package), heads.get(plugin.package))
        click.echo(f"{plugin.name} {plugin.version or '?'} (enabled, {plugin.module})")
        click.echo(f"  uses: {uses or 'nothing'}")
        click.echo(f"  schema: {state}")
    for name, entry_point in sorted(installed_plugins().items()):
        if name not in enabled:
            click.echo(f"{name} (installed, not enabled, {entry_point.value})")
