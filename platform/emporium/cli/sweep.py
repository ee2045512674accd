"""``emporium sweep INI``: remove the rows nobody can reach any more
(expired sessions, carts of sessions that are gone, old idempotency keys),
in batches of short transactions. Run it daily from cron or a timer."""

from __future__ import annotations

import click

from emporium.cli.bootstrap import cli_actor, load
from emporium.housekeeping import DEFAULT_BATCH, MAX_BATCH


@click.command("sweep")
@click.argument("ini", metavar="INI", type=click.Path(dir_okay=False))
@click.option(
    "--dry-run",
    is_flag=True,
    help="Count what would be removed; remove nothing.",
)
@click.option(
    "--batch",
    type=click.IntRange(min=1, max=MAX_BATCH),
    default=DEFAULT_BATCH,
    show_default=True,
    help="Rows removed per transaction.",
)
def sweep(ini: str, dry_run: bool, batch: int) -> None:
    """Remove expired sessions, orphaned carts and other unreachable rows."""
    from emporium.audit import record
    from emporium.housekeeping import get_sweepers, run_sweepers

    env = load(ini)
    sweepers = dict(get_sweepers(env.registry))
    removed = run_sweepers(env.registry, batch=batch, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for name, count in removed.items():
        click.echo(f"{name}: {verb} {count} ({sweepers[name].description})")
    if dry_run:
        return
    with env.registry["dbsession_factory"]() as dbsession, dbsession.begin():
        record(dbsession, cli_actor(), "sweep", "database", **removed)
