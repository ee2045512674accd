"""Commands plugins add to ``emporium``: ``config.add_command(command)``.

The core's own commands are always there; a plugin's command exists for an
``.ini`` whose ``emporium.plugins`` enables the plugin, and is found through
that ``.ini`` (the argument after the command's name, as every command
takes): ``emporium import development.ini products.csv``.
"""

from __future__ import annotations

import click
from pyramid.config import Configurator

_COMMANDS = f"{__name__}.commands"


def add_command(config: Configurator, command: click.Command) -> None:
    """Add ``command`` (a ``click.Command`` whose first argument is the
    ``.ini``) to ``emporium`` under its name."""
    if not isinstance(command, click.Command) or not command.name:
        raise TypeError(f"{command!r} is not a named click command")

    def register() -> None:
        config.registry.setdefault(_COMMANDS, {})[command.name] = command

    config.action(("emporium.command", command.name), register)


def get_commands(registry) -> dict[str, click.Command]:
    """The commands the enabled plugins added, by name."""
    return dict(registry.get(_COMMANDS, {}))


def includeme(config: Configurator) -> None:
    config.add_directive("add_command", add_command)
