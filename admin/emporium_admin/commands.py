"""The admin's command: ``emporium import INI FILE.csv``, the console's CSV
import from a shell (added to ``emporium`` with ``config.add_command``)."""

from __future__ import annotations

import os

import click

from emporium.cli.bootstrap import cli_actor, load
from emporium_admin.imports import CatalogImporter


@click.command("import")
@click.argument("ini", metavar="INI", type=click.Path(dir_okay=False))
@click.argument("csv_file", metavar="FILE.csv", type=click.File("rb"))
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Import the good rows even when others have errors.",
)
def import_products(ini: str, csv_file, skip_bad_rows: bool) -> None:
    """Import products from a CSV file (one a row, keyed by SKU); an images
    column names photo files in the folder of the file."""
    env = load(ini)
    data = csv_file.read()
    name = getattr(csv_file, "name", "FILE.csv")
    # Photo files named by an images column sit beside the CSV file.
    folder = os.path.dirname(os.path.abspath(name)) if os.path.isfile(name) else None
    importer = CatalogImporter(env.registry, folder)
    dbsession_factory = env.registry["dbsession_factory"]
    with dbsession_factory() as dbsession:
        validation = importer.validate(dbsession, data)
    for error in validation.errors:
        click.echo(f"{name}:{error.line}: {error.field}: {error.message}", err=True)
    click.echo(
        f"{validation.total} rows: {len(validation.rows)} good, "
        f"{validation.bad_lines} with errors"
    )
    if validation.errors and not skip_bad_rows:
        raise click.ClickException(
            "nothing imported: correct the rows above, or use --skip-bad-rows"
        )
    with click.progressbar(
        length=len(validation.rows), label="importing products", show_pos=True
    ) as bar:
        counts = importer.apply(
            dbsession_factory, validation.rows, cli_actor(), bar.update
        )
    click.echo(f"imported: {counts['created']} created, {counts['updated']} updated")
