"""A seeded catalog for the cache and page benchmarks, kept between runs
under ``EMPORIUM_BENCH_DIR`` (``/tmp/emporium-bench`` by default)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DIR = Path(os.environ.get("EMPORIUM_BENCH_DIR", "/tmp/emporium-bench"))
SEED = 20261126


def settings_for(database: Path, cache_dir: Path, **overrides) -> dict:
    settings = {
        "here": str(ROOT),
        "sqlalchemy.url": f"sqlite:///{database}",
        "emporium.themes.directories": str(ROOT / "themes"),
        "pyramid.reload_templates": "false",
        "emporium.session.secret": "benchmark-only-session-key",
        "cache.local.arguments.path": str(cache_dir / "objects"),
    }
    settings.update(overrides)
    return settings


def seeded_database(products: int) -> Path:
    """A SQLite database of ``products`` seeded products (made once)."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from emporium import migrations
    from emporium.config import configure
    from emporium.seeding import get_seeders
    from emporium_catalog.models import Product

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"cache-catalog-{products}.sqlite"
    ready = Path(f"{path}.ready")
    if not ready.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    config = configure(settings_for(path, BENCH_DIR / "seed-cache"))
    config.commit()
    registry = config.registry
    engine = registry["db.engine"]
    # Every enabled plugin's tables, also when the list of plugins grew.
    migrations.upgrade(
        engine, migrations.migration_units(registry), str(ROOT / "migrations")
    )
    if ready.exists():
        engine.dispose()
        return path
    started = time.perf_counter()
    with Session(engine) as dbsession:
        for seeder in get_seeders(registry):
            seeder.seed(dbsession, products, seed=SEED)
        assert dbsession.scalar(select(func.count()).select_from(Product)) == products
    print(f"# seeded {products} products in {time.perf_counter() - started:.0f} s")
    engine.dispose()
    ready.touch()
    return path
