"""``emporium purge INI URL...`` and ``emporium purge INI --tag KEY...``: the
operator's emergency purge, through the configured ``IPurger`` (every
Varnish of ``emporium.purge.proxies``), audited like the admin's."""

from __future__ import annotations

import click

from emporium.cli.bootstrap import cli_actor, load
from emporium.interfaces import IPurger


@click.command("purge")
@click.argument("ini", metavar="INI", type=click.Path(dir_okay=False))
@click.argument("urls", metavar="[URL]...", nargs=-1)
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="KEY",
    help="Purge every page tagged with this surrogate key (product:42, "
    "category:7); repeatable.",
)
def purge(ini: str, urls: tuple[str, ...], tags: tuple[str, ...]) -> None:
    """Purge pages from the proxy tier: URLs (paths or absolute URLs), or
    every page tagged with a key."""
    if not urls and not tags:
        raise click.UsageError("give a URL to purge, or --tag KEY")
    for url in urls:
        if not (url.startswith("/") or url.startswith(("http://", "https://"))):
            raise click.BadParameter(
                f"{url!r} is neither a path starting with / nor an http(s) URL",
                param_hint="URL",
            )
    env = load(ini)
    purger = env.registry.getUtility(IPurger)
    actor = cli_actor()
    results = []
    if urls:
        results += purger.purge_urls(list(urls), actor)
    if tags:
        results += purger.purge_keys(list(tags), actor)
    failed = 0
    for result in results:
        failed += not result.ok
        click.echo(
            f"{'ok' if result.ok else 'FAILED'} {result.proxy} "
            f"{result.target}: {result.message}",
            err=not result.ok,
        )
    if failed:
        raise click.ClickException(f"{failed} purge(s) failed; see above")
