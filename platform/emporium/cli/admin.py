"""Staff accounts and catalog files: ``create-admin``, ``import``."""

from __future__ import annotations

import sys

import click
from sqlalchemy.orm import Session

from emporium.cli.bootstrap import cli_actor, load
from emporium.errors import InvalidInput
from emporium.interfaces import IPasswordHasher

ini_argument = click.argument("ini", metavar="INI", type=click.Path(dir_okay=False))


@click.command("create-admin")
@ini_argument
@click.option("--email", required=True, help="The staff member's email.")
@click.option(
    "--role",
    type=click.Choice(["merchandiser", "administrator"]),
    default="merchandiser",
    show_default=True,
    help="What they may do in the console.",
)
@click.option("--name", default="", help="Their name, shown in the console.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of a prompt.",
)
def create_admin(
    ini: str, email: str, role: str, name: str, password_stdin: bool
) -> None:
    """Create a staff account for the admin console."""
    from emporium.accounts.services import create_user
    from emporium.audit import record

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    env = load(ini)
    hasher = env.registry.getUtility(IPasswordHasher)
    with Session(env.engine) as dbsession, dbsession.begin():
        try:
            user = create_user(dbsession, hasher, email, password, name, roles=role)
        except InvalidInput as exc:
            raise click.BadParameter(exc.message, param_hint=f"--{exc.field}") from None
        record(dbsession, cli_actor(), "admin.create", user.email, role=role)
        created = f"created {role} {user.email} (user {user.id})"
    click.echo(created)


@click.command("import")
@ini_argument
@click.argument("csv_file", metavar="FILE.csv", type=click.File("rb"))
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Import the good rows even when others have errors.",
)
def import_products(ini: str, csv_file, skip_bad_rows: bool) -> None:
    """Import products from a CSV file (one a row, keyed by SKU)."""
    env = load(ini)
    if "emporium_admin.import_jobs" not in env.registry:
        raise click.ClickException(
            "the admin plugin is not enabled in emporium.plugins"
        )
    from emporium_admin.imports import CatalogImporter

    data = csv_file.read()
    name = getattr(csv_file, "name", "FILE.csv")
    importer = CatalogImporter(env.registry)
    sessions = env.registry["dbsession_factory"]
    with sessions() as dbsession:
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
        counts = importer.apply(sessions, validation.rows, cli_actor(), bar.update)
    click.echo(f"imported: {counts['created']} created, {counts['updated']} updated")
