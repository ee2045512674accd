"""The catalog plugin: categories, products, the main store section and the
views every section's front, category and product pages use."""

from pyramid.config import Configurator

from emporium.events import SchemaMigrated
from emporium.interfaces import IProductCatalog, IStoreSection


def includeme(config: Configurator) -> None:
    from emporium.database import Base
    from emporium_catalog import views
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
    # The front of every section, unless its plugin registers its own.
    config.add_view(
        views.section_front,
        context=IStoreSection,
        renderer="section.pt",
        request_method="GET",
    )
    config.add_view(
        views.category_page,
        route_name="category",
        renderer="category.pt",
        request_method="GET",
    )
    config.add_view(
        views.product_page,
        route_name="product",
        renderer="product.pt",
        request_method="GET",
    )
    config.add_view(
        views.product_image, route_name="product_image", request_method="GET"
    )
    # The JSON API: products list and detail.
    from emporium_catalog import api

    config.add_openapi_fragment("emporium_catalog:openapi.yaml")
    config.add_route("api.products", "/api/v1/products")
    config.add_route("api.product", "/api/v1/products/{id}")
    config.add_view(
        api.list_products,
        route_name="api.products",
        request_method="GET",
        openapi=True,
        renderer="json",
    )
    config.add_view(
        api.get_product,
        route_name="api.product",
        request_method="GET",
        openapi=True,
        renderer="json",
    )
