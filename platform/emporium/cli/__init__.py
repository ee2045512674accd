"""The ``emporium`` command: ``emporium <command> <ini> [options]``."""

from __future__ import annotations

import click

from emporium.cli.admin import create_admin, import_products
from emporium.cli.commands import migrate, revision, seed
from emporium.cli.purge import purge
from emporium.cli.search import reindex, search_server
from emporium.cli.sweep import sweep


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Emporium's operator commands. Each takes the .ini file to use."""


main.add_command(migrate)
main.add_command(revision)
main.add_command(seed)
main.add_command(reindex)
main.add_command(search_server)
main.add_command(create_admin)
main.add_command(import_products)
main.add_command(purge)
main.add_command(sweep)
