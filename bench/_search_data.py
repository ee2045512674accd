"""A seeded catalog for the search benchmark, cached between runs.

Seeding a million products takes minutes, so the database is kept under
``EMPORIUM_BENCH_DIR`` (``/tmp/emporium-bench`` by default) and reused when
it already holds the requested number of products.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("EMPORIUM_BENCH_DIR", "/tmp/emporium-bench"))
SEED = 20261126


def settings_for(path: Path, **overrides) -> dict:
    settings = {
        "here": str(ROOT),
        "sqlalchemy.url": f"sqlite:///{path}",
        "emporium.plugins": "catalog bookstore videogames",
        "emporium.themes.directories": str(ROOT / "themes"),
        "pyramid.reload_templates": "false",
        "emporium.session.secret": "benchmark-only-session-key",
    }
    settings.update(overrides)
    return settings


def seeded_database(products: int) -> Path:
    """The path of a SQLite database holding ``products`` seeded products."""
    from emporium import migrations
    from emporium.config import configure
    from emporium.seeding import get_seeders

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"catalog-{products}.sqlite"
    config = configure(settings_for(path))
    config.commit()
    registry = config.registry
    engine = registry["db.engine"]
    if path.exists():
        try:
            with Session(engine) as dbsession:
                count = dbsession.scalar(
                    select(func.count()).select_from(_products_table())
                )
            if count == products:
                engine.dispose()
                return path
        except Exception:
            pass
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        config = configure(settings_for(path))
        config.commit()
        registry = config.registry
        engine = registry["db.engine"]
    migrations.upgrade(
        engine, migrations.migration_units(registry), str(ROOT / "migrations")
    )
    started = time.perf_counter()
    with Session(engine) as dbsession:
        for seeder in get_seeders(registry):
            seeder.seed(dbsession, products, seed=SEED)
    print(
        f"# seeded {products} products in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    engine.dispose()
    return path


def _products_table():
    from emporium.database import Base

    return Base.metadata.tables["products"]


if __name__ == "__main__":
    print(seeded_database(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
