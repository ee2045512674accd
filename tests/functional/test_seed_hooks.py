"""A section names its own demo products (``seed_name``) and is seeded alone."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium import migrations
from emporium.config import configure
from emporium_catalog.models import Product
from emporium_catalog.seed import CatalogSeeder
from tests.conftest import SCRIPT_LOCATION, make_settings


def album(rng, faker) -> str:
    return f"Album {rng.randint(1, 9)}: {faker.word().title()}"


def test_a_section_names_its_demo_products(tmp_path):
    settings = make_settings(
        f"sqlite:///{tmp_path / 'hooks.sqlite'}", **{"emporium.plugins": "catalog"}
    )
    config = configure(settings)
    config.add_store_section(
        name="music",
        title="Music",
        prefix="/music/",
        product_type="album",
        seed_name=album,
        sample_categories=("Vinyl",),
    )
    config.commit()
    engine = config.registry["db.engine"]
    units = migrations.migration_units(config.registry)
    migrations.upgrade(engine, units, SCRIPT_LOCATION)
    with Session(engine) as dbsession:
        seeder = CatalogSeeder(config.registry)
        assert seeder.seed(dbsession, 12, seed=5, sections=["music"]) == 12
        rows = dbsession.execute(select(Product.section, Product.name)).all()
    assert {section for section, _ in rows} == {"music"}
    assert all(name.startswith("Album ") for _, name in rows)
    engine.dispose()
