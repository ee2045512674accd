"""Search commands: reindex, search-server."""

from __future__ import annotations

import os
import time

import click

from emporium.cli.bootstrap import load
from emporium.search import indexing
from emporium.search.engine import IndexDirectory
from emporium.search.services import index_directory
from emporium.settings import declaration, setting_value

ini_argument = click.argument("ini", metavar="INI", type=click.Path(dir_okay=False))


@click.command()
@ini_argument
@click.option(
    "--if-missing", is_flag=True, help="Do nothing when an index is already live."
)
def reindex(ini: str, if_missing: bool) -> None:
    """Build the search index beside the live one and swap it in atomically."""
    env = load(ini)
    directory = index_directory(env.registry.settings)
    if if_missing and IndexDirectory(directory).live() is not None:
        click.echo(f"the search index is already built in {directory}")
        return
    started = time.perf_counter()
    bar = None

    def on_total(total: int) -> None:
        nonlocal bar
        bar = click.progressbar(length=total, label="indexing products", show_pos=True)
        bar.__enter__()

    try:
        folder, count = indexing.rebuild(
            env.registry,
            directory,
            progress=lambda n: bar.update(n) if bar is not None else None,
            on_total=on_total,
        )
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    elapsed = time.perf_counter() - started
    rate = count / elapsed if elapsed else 0.0
    click.echo(
        f"indexed {count} products in {elapsed:.1f} s ({rate:,.0f} products/s); "
        f"live: {os.path.relpath(folder)}"
    )


@click.command("search-server")
@ini_argument
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port on 127.0.0.1 (default emporium.search.port, else "
    f"{declaration('emporium.search.port').default}).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True)
def search_server(ini: str, port: int | None, host: str, threads: int) -> None:
    """Serve the search index over HTTP/JSON (one replica)."""
    import waitress

    from emporium.search.server import SearchApplication

    env = load(ini)
    settings = env.registry.settings
    port = port or setting_value(settings, "emporium.search.port")
    directory = index_directory(settings)
    app = SearchApplication(env.registry, directory)
    if not app.index.available:
        click.echo(
            f"no search index in {directory} yet: run emporium reindex", err=True
        )
    click.echo(f"search server on http://{host}:{port}/ reading {directory}")
    waitress.serve(
        app, host=host, port=port, threads=threads, ident="emporium-search", _quiet=True
    )
