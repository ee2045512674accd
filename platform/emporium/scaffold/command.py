"""``emporium scaffold section NAME [--into DIR]``."""

from __future__ import annotations

from pathlib import Path

import click

from emporium.errors import InvalidInput
from emporium.scaffold.sections import scaffold_section


@click.group()
def scaffold() -> None:
    """Generate the source of a new plugin (no .ini needed)."""


@scaffold.command()
@click.argument("name")
@click.option(
    "--into",
    type=click.Path(path_type=Path),
    default=".",
    show_default=True,
    help="Folder to write the distribution emporium-NAME into.",
)
@click.option("--title", help="The section's title on pages (default: from NAME).")
def section(name: str, into: Path, title: str | None) -> None:
    """A store section's plugin distribution, NAME its section's name
    (music): fields, table and migration, templates, stylesheet, demo data,
    a theme layer, README and tests, working as generated."""
    try:
        folder = scaffold_section(name, into, title)
    except InvalidInput as exc:
        raise click.BadParameter(exc.message, param_hint=exc.field) from None
    click.echo(f"wrote {folder}")
    click.echo("next (docs/tutorial.md):")
    for step in (
        f"pip install -e {folder}",
        f"add {name} to emporium.plugins in INI, after catalog",
        "emporium migrate INI",
        f"emporium seed INI --products 200 --section {name}",
        "emporium reindex INI",
    ):
        click.echo(f"  {step}")
