"""The catalog plugin: categories, products, the main store section and the
views every section's front, category and product pages use."""

from pyramid.config import Configurator

from emporium.events import SchemaMigrated
from emporium.interfaces import IProductCatalog


def includeme(config: Configurator) -> None:
    from emporium.database import Base
    from emporium_catalog.interfaces import IProductReader, IProductWriter
    from emporium_catalog.models import Category, Product
    from emporium_catalog.products import (
        ProductCatalog,
        ProductChanged,
        category_keys,
        details_keys,
        on_product_changed,
        product_keys,
    )
    from emporium_catalog.products.invalidation import on_schema_migrated
    from emporium_catalog.reads import ProductReader
    from emporium_catalog.seed import CatalogSeeder
    from emporium_catalog.writes import ProductWriter

    config.include("emporium_catalog.routes")
    config.add_migrations("emporium_catalog:migrations")
    config.register_cache_partition("images", 3600)
    # Products read through the object cache, invalidated after each commit.
    catalog = ProductCatalog.of(config.registry)
    config.registry.registerUtility(catalog, IProductCatalog)
    # Products are created and changed through one schema and one write path.
    config.registry.registerUtility(ProductWriter(config.registry), IProductWriter)
    config.registry.registerUtility(ProductReader(config.registry), IProductReader)
    config.register_cache_keys(Product, product_keys)
    config.register_cache_keys(Category, category_keys)
    config.register_cache_keys(Base, details_keys)
    # Pages in the proxy tier showing what changed are purged after commit.
    config.include("emporium_catalog.pagekeys")
    # Product photos: uploaded, kept in the media store, shown with srcset.
    config.include("emporium_catalog.photos")
    config.include("emporium_catalog.purgemodes")
    config.add_subscriber(
        lambda event: on_product_changed(event, config.registry), ProductChanged
    )
    config.add_subscriber(on_schema_migrated, SchemaMigrated)
    config.add_seeder(CatalogSeeder(config.registry), "catalog")
    config.include("emporium_catalog.search")
    # /robots.txt and the sitemaps crawlers read.
    config.include("emporium_catalog.sitemaps")
    config.add_store_section(
        name="store",
        title="Toys & Games",
        prefix="/",
        product_type="product",
        templates="emporium_catalog:templates",
        position=10,
        sample_categories=(
            "Building Sets",
            "Board Games",
            "Dolls & Figures",
            "Puzzles",
            "Outdoor Play",
            "Science Kits",
            "Plush Toys",
            "Arts & Crafts",
        ),
    )
    # Section fronts, category and product pages, and the JSON API.
    config.include("emporium_catalog.views")
    config.include("emporium_catalog.api")
