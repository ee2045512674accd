"""Loading the application's configuration from an ``.ini`` for a command."""

from __future__ import annotations

import configparser
import getpass
import os
from dataclasses import dataclass

import click
import plaster
from pyramid.config import Configurator

from emporium import migrations
from emporium.config import configure
from emporium.errors import ConfigurationError

# Where a plugin's command finds the configuration its .ini was loaded into
# to find the command (see emporium.cli.EmporiumCommands).
ENVIRONMENT = f"{__name__}.environment"


@dataclass
class Environment:
    config_uri: str
    config: Configurator
    script_location: str

    @property
    def registry(self):
        return self.config.registry

    @property
    def engine(self):
        return self.registry["db.engine"]


def load(config_uri: str) -> Environment:
    ctx = click.get_current_context(silent=True)
    loaded = ctx.meta.get(ENVIRONMENT) if ctx is not None else None
    if loaded is not None and loaded.config_uri == config_uri:
        return loaded
    if not os.path.isfile(config_uri.split("#", 1)[0]):
        raise click.BadParameter(f"no such file: {config_uri}", param_hint="INI")
    loader = plaster.get_loader(config_uri, protocols=["wsgi"])
    loader.setup_logging()
    settings = dict(loader.get_settings("app:main"))
    here = os.path.dirname(os.path.abspath(config_uri.split("#", 1)[0]))
    settings.setdefault("here", here)
    try:
        config = configure(settings)
        config.commit()
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None
    env = Environment(config_uri, config, _script_location(config_uri, here))
    if ctx is not None:
        ctx.meta[ENVIRONMENT] = env
    return env


def database_error(env: Environment | None, exc: Exception) -> click.ClickException:
    """What a command says when the database it was given fails."""
    reason = getattr(exc, "orig", None) or exc
    if env is None:
        return click.ClickException(f"the database failed: {reason}")
    url = env.engine.url
    where = url.render_as_string(hide_password=True)
    hint = ""
    if url.get_backend_name() == "sqlite" and url.database:
        folder = os.path.dirname(os.path.abspath(url.database))
        if not os.path.isdir(folder):
            hint = f" (the folder {folder} does not exist)"
    return click.ClickException(
        f"the database {where} (sqlalchemy.url in {env.config_uri}) failed:"
        f" {reason}{hint}"
    )


def _script_location(config_uri: str, here: str) -> str:
    parser = configparser.ConfigParser(defaults={"here": here})
    parser.read(config_uri.split("#", 1)[0])
    if not parser.has_option("alembic", "script_location"):
        return migrations.SCRIPT_LOCATION
    location = parser.get("alembic", "script_location")
    if ":" not in location and not os.path.isfile(os.path.join(location, "env.py")):
        raise click.ClickException(
            f"[alembic] script_location {location} holds no env.py; remove the "
            f"line to use the Alembic environment installed with Emporium"
        )
    return location


def cli_actor() -> str:
    """Who runs the command, for the audit log: ``cli:<login name>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in some containers
        return "cli:unknown"
