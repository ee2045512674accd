"""The product façade: a product is read as partitions, each cached under its
own key with its own time-to-live, and handed to templates as one flat view.

- ``core``: sku, section, category, name, description, image (``products``);
- ``pricing``: price in minor units, currency (``products``);
- ``inventory``: stock (``products``);
- the section's own (``book``, ``videogame``): its fields, from its table.

Categories (``category:``) and listings (``listing:``, the ids of a category
page or a section's best sellers) are cached too, listings briefly: a warm
product or category page reads no database at all.

The package by responsibility: ``partitions`` (what is cached and how it is
loaded), ``views`` (what templates see), ``catalog`` (the façade behind
``IProductCatalog``), ``invalidation`` (what a change makes wrong).
"""

from emporium_catalog.products.catalog import ProductCatalog
from emporium_catalog.products.invalidation import (
    ProductChanged,
    category_keys,
    details_keys,
    on_product_changed,
    product_keys,
)
from emporium_catalog.products.partitions import (
    CARD,
    COLUMNS,
    CORE,
    INVENTORY,
    PRICING,
    earliest,
    load_columns,
    next_change,
    product_key,
)
from emporium_catalog.products.views import (
    CatalogProduct,
    CategoryView,
    Page,
    ProductView,
)

__all__ = [
    "CARD",
    "COLUMNS",
    "CORE",
    "INVENTORY",
    "PRICING",
    "CatalogProduct",
    "CategoryView",
    "Page",
    "ProductCatalog",
    "ProductChanged",
    "ProductView",
    "category_keys",
    "details_keys",
    "earliest",
    "load_columns",
    "next_change",
    "on_product_changed",
    "product_key",
    "product_keys",
]
