"""The ``emporium`` command: ``emporium <command> <ini> [options]``."""

from __future__ import annotations

import os

import click
from sqlalchemy.exc import OperationalError

from emporium.cli.admin import create_admin
from emporium.cli.bootstrap import ENVIRONMENT, database_error, load
from emporium.cli.commands import migrate, revision, seed
from emporium.cli.plugins import plugins
from emporium.cli.purge import purge
from emporium.cli.search import reindex, search_server
from emporium.cli.sweep import sweep
from emporium.commands import get_commands
from emporium.scaffold.command import scaffold


class EmporiumCommands(click.Group):
    """The core's commands, then those the plugins an ``.ini`` enables add
    (``config.add_command``), found through the ``.ini`` that follows the
    command's name."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else None
        if name and name not in self.commands and len(args) > 1:
            config_uri = args[1]
            if os.path.isfile(config_uri.split("#", 1)[0]):
                env = load(config_uri)
                command = get_commands(env.registry).get(name)
                if command is None:
                    ctx.fail(
                        f"No such command {name!r}: neither the core nor a "
                        f"plugin {config_uri} enables (emporium.plugins) has it."
                    )
                return name, command, args[1:]
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OperationalError as exc:
            # The transaction it broke was rolled back; what the command
            # committed before (a migration, a batch of products) stays.
            raise database_error(ctx.meta.get(ENVIRONMENT), exc) from None


@click.group(
    cls=EmporiumCommands, context_settings={"help_option_names": ["-h", "--help"]}
)
def main() -> None:
    """Emporium's operator commands. Each takes the .ini file to use.

    Plugins add commands of their own, there for an .ini that enables the
    plugin (the admin's import): emporium COMMAND INI --help describes one.
    """


main.add_command(migrate)
main.add_command(revision)
main.add_command(seed)
main.add_command(reindex)
main.add_command(search_server)
main.add_command(create_admin)
main.add_command(purge)
main.add_command(sweep)
main.add_command(plugins)
main.add_command(scaffold)
