"""Staff accounts: ``create-admin``."""

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
