"""CSV import and export of the catalog.

One row per product, keyed by SKU: a known SKU updates the product, a new
one creates it. Validation reads the whole file first and reports every bad
row with its line and field, parsed by the catalog's product schema (the
form's); nothing is written until the file is clean, unless the good rows
are imported on request. The rows are written through the catalog's
``IProductWriter``. The same code serves the console (a background job with
progress, ``jobs``) and ``emporium import``.
"""

from emporium_admin.imports.export import export_rows
from emporium_admin.imports.formulas import guard, unguard
from emporium_admin.imports.jobs import ImportJob, ImportJobs
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
    "guard",
    "unguard",
]
