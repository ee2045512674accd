"""The catalog as CSV, a chunk at a time: what the import reads back."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from sqlalchemy.orm import Session

from emporium_admin.imports.formulas import guard
from emporium_admin.imports.validation import all_columns
from emporium_catalog.interfaces import IProductReader


def export_rows(dbsession_factory: Callable[[], Session], registry, batch: int = 1000):
    """The catalog as CSV text, a chunk of ``batch`` products at a time, as
    the catalog's ``IProductReader`` reads them: the memory used does not
    grow with the catalog."""
    columns = all_columns(registry)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    yield buffer.getvalue().encode()
    reader = registry.getUtility(IProductReader)
    for records in reader.export(dbsession_factory, batch):
        buffer.seek(0)
        buffer.truncate()
        for values in records:
            writer.writerow([guard(values.get(c, "")) for c in columns])
        yield buffer.getvalue().encode()
