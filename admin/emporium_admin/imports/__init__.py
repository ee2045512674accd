"""CSV import and export of the catalog.

One row per product, keyed by SKU: a known SKU updates the product, a new
one creates it. Validation reads the whole file first and reports every bad
row with its line and field, parsed by the catalog's product schema (the
form's); nothing is written until the file is clean, unless the good rows
are imported on request. The rows are written through the catalog's
``IProductWriter``. The same code serves the console (a background job with
progress, ``jobs``) and ``emporium import``.
"""

from pyramid.config import Configurator

from emporium_admin.imports.export import export_rows
from emporium_admin.imports.formulas import guard, unguard
from emporium_admin.imports.jobs import ImportJob, ImportJobs, get_jobs
from emporium_admin.imports.validation import (
    CatalogImporter,
    ImportRow,
    RowError,
    Validation,
    all_columns,
)

__all__ = [
    "CatalogImporter",
    "ImportJob",
    "ImportJobs",
    "ImportRow",
    "RowError",
    "Validation",
    "all_columns",
    "export_rows",
    "get_jobs",
    "guard",
    "unguard",
]


def includeme(config: Configurator) -> None:
    from emporium_admin.commands import import_products
    from emporium_admin.imports.jobs import register_jobs

    register_jobs(config)
    config.add_command(import_products)
