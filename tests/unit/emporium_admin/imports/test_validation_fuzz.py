"""Property tests of the CSV importer's validation: whatever file is
uploaded, validation answers with rows and errors naming a line and a
field, never an exception, and writes nothing."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from emporium_admin.imports import CatalogImporter
from emporium_admin.imports.validation import BASE_COLUMNS, RowError
from emporium_catalog.models import Product

HEADER = ",".join(BASE_COLUMNS)
CELL = st.text(max_size=30) | st.sampled_from(
    ["", "store", "books", "-1", "1e309", "NaN", "12.50", "=1+1", "\x00", '"']
)


def to_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BASE_COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


FILES = (
    st.binary(max_size=300)
    | st.text(max_size=300).map(lambda t: (HEADER + "\n" + t).encode("utf-8"))
    | st.lists(st.lists(CELL, max_size=len(BASE_COLUMNS) + 2), max_size=5).map(to_csv)
)


def check(app_config, data: bytes) -> None:
    factory = app_config.registry["dbsession_factory"]
    with factory() as dbsession:
        before = dbsession.scalar(select(func.count(Product.id)))
        validation = CatalogImporter(app_config.registry).validate(dbsession, data)
        assert all(isinstance(e, RowError) and e.line >= 1 for e in validation.errors)
        assert validation.total >= len(validation.rows)
        dbsession.rollback()
        assert dbsession.scalar(select(func.count(Product.id))) == before


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(FILES)
def test_any_upload_is_validated_into_rows_and_named_errors(app_config, data):
    check(app_config, data)


def test_a_cell_past_the_csv_readers_limit_is_a_named_error(app_config):
    row = ["SKU-1", "store", "", "x" * 200_000, "", "", "1.00"]
    check(app_config, to_csv([row]))
    factory = app_config.registry["dbsession_factory"]
    with factory() as dbsession:
        validation = CatalogImporter(app_config.registry).validate(
            dbsession, to_csv([row])
        )
    assert [(e.field, e.line) for e in validation.errors] == [("file", 2)]
    assert "field limit" in validation.errors[0].message


def test_a_price_too_large_to_hold_in_cents_is_a_named_error(app_config):
    factory = app_config.registry["dbsession_factory"]
    row = ["SKU-1", "store", "", "A mug", "", "", "1e30"]
    with factory() as dbsession:
        validation = CatalogImporter(app_config.registry).validate(
            dbsession, to_csv([row])
        )
    assert [(e.field, e.message) for e in validation.errors] == [
        ("price", "is too large")
    ]
