"""CSV import and export without HTTP: validation, batches and progress,
the background job's record, and an export that imports back."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium_admin.imports import (
    CatalogImporter,
    ImportJobs,
    export_rows,
)
from emporium_catalog.models import Product


@pytest.fixture
def dbsession_factory(app_config):
    return app_config.registry["dbsession_factory"]


def validate(app_config, dbsession_factory, data: bytes):
    with dbsession_factory() as dbsession:
        return CatalogImporter(app_config.registry).validate(dbsession, data)


def test_an_export_imports_back_clean(app_config, dbsession_factory):
    data = b"".join(export_rows(dbsession_factory, app_config.registry, batch=50))
    importer = CatalogImporter(app_config.registry)
    with dbsession_factory() as dbsession:
        validation = importer.validate(dbsession, data)
        count = len(list(dbsession.scalars(select(Product.id))))
    assert validation.errors == []
    assert validation.total == len(validation.rows) == count
    sections = {row.section for row in validation.rows}
    assert {"store", "books", "videogames"} <= sections
    book = next(row for row in validation.rows if row.section == "books")
    assert book.details["author"] and book.details["age_min"] is not None


def test_rows_are_written_in_batches_with_progress(app_config, dbsession_factory):
    data = "sku,section,name,price,stock\n" + "".join(
        f"BATCH-{n},store,Batch kite {n},1.{n:02d},{n}\n" for n in range(7)
    )
    importer = CatalogImporter(app_config.registry)
    with dbsession_factory() as dbsession:
        validation = importer.validate(dbsession, data.encode())
    steps: list[int] = []
    counts = importer.apply(
        dbsession_factory, validation.rows, "tester", steps.append, batch=3
    )
    assert steps == [3, 3, 1]
    assert counts == {"created": 7, "updated": 0}
    with Session(app_config.registry["db.engine"]) as dbsession:
        product = dbsession.scalar(select(Product).where(Product.sku == "BATCH-6"))
        assert (product.price_minor, product.stock) == (106, 6)


def test_every_problem_of_a_row_is_reported(app_config, dbsession_factory):
    data = (
        "sku,section,name,price,stock,sale_price,sale_starts_at,sale_ends_at\n"
        "DUP,store,One,1.00,1,,,\n"
        "DUP,store,,abc,-4,,,\n"
        "SALE,store,Sale,5.00,1,6.00,2026-12-02,2026-12-01\n"
        'QUOTE,store,"Broken, quoted",1.00,1,,,,extra\n'
    )
    validation = validate(app_config, dbsession_factory, data.encode())
    found = {(e.line, e.field) for e in validation.errors}
    assert found == {
        (3, "sku"),
        (3, "name"),
        (3, "price"),
        (3, "stock"),
        (4, "sale_price"),
        (4, "sale_ends_at"),
        (5, "row"),
    }
    assert validation.bad_lines == 3
    assert [row.sku for row in validation.rows] == ["DUP"]


def test_not_utf8(app_config, dbsession_factory):
    with dbsession_factory() as dbsession:
        validation = CatalogImporter(app_config.registry).validate(
            dbsession, "sku\nCaf\u00e9\n".encode("latin-1")
        )
    assert [(e.line, e.field) for e in validation.errors] == [(1, "file")]


def test_a_job_records_its_progress_for_every_worker(app_config, tmp_path):
    jobs = ImportJobs(str(tmp_path))
    data = b"sku,section,name,price\nJOB-1,store,Job kite,2.00\n"
    job = jobs.create(data, "job.csv", "tester")
    assert jobs.get(job.id).status == "validated"
    jobs._run(job, app_config.registry, "tester")
    done = jobs.get(job.id)
    assert (done.status, done.done, done.created) == ("done", 1, 1)
    assert done.percent == 100
    assert jobs.get("../etc/passwd") is None
    assert jobs.get("0" * 24) is None


# The ASCII starters, and the full-width ones spreadsheets read alike.
@pytest.mark.parametrize("start", ["=", "\uff1d", "\uff0b", "\uff0d", "\uff20"])
def test_export_defuses_formulas_and_import_restores_them(
    app_config, dbsession_factory, start
):
    from emporium_admin.imports import guard, unguard

    formula = start + 'HYPERLINK("http://evil.example","click")'
    assert guard(formula) == "'" + formula and unguard(guard(formula)) == formula
    assert guard("Plain kite") == "Plain kite" and guard(5) == 5
    assert unguard("'quoted on purpose") == "'quoted on purpose"
    with dbsession_factory() as dbsession, dbsession.begin():
        product = dbsession.scalar(select(Product).order_by(Product.id).limit(1))
        original, product.name = product.name, formula
        sku = product.sku
    try:
        data = b"".join(export_rows(dbsession_factory, app_config.registry, batch=50))
        rows = list(csv.DictReader(io.StringIO(data.decode())))
        assert next(r for r in rows if r["sku"] == sku)["name"] == "'" + formula
        validation = validate(app_config, dbsession_factory, data)
        row = next(r for r in validation.rows if r.sku == sku)
        assert row.values["name"] == formula
    finally:
        with dbsession_factory() as dbsession, dbsession.begin():
            dbsession.scalar(select(Product).where(Product.sku == sku)).name = original


def test_an_image_url_the_form_refuses_is_refused_naming_line_and_field(
    app_config, dbsession_factory
):
    data = (
        "sku,section,name,price,image_url\n"
        "IMG-1,store,Script,1.00,javascript:alert(1)\n"
        "IMG-2,store,Other host,1.00,//evil.example/x.svg\n"
        "IMG-3,store,Backslash,1.00,/\\evil.example/x.svg\n"
        "IMG-4,store,Fine,1.00,/static/kite.png\n"
    )
    validation = validate(app_config, dbsession_factory, data.encode())
    assert [(e.line, e.field) for e in validation.errors] == [
        (2, "image_url"),
        (3, "image_url"),
        (4, "image_url"),
    ]
    assert [row.sku for row in validation.rows] == ["IMG-4"]


def test_sale_dates_without_a_sale_price_are_refused_as_the_form_refuses_them(
    app_config, dbsession_factory
):
    data = (
        "sku,section,name,price,sale_price,sale_starts_at,sale_ends_at\n"
        "SALE-1,store,No sale price,5.00,,2026-12-01,2026-12-08\n"
    )
    validation = validate(app_config, dbsession_factory, data.encode())
    assert [str(e) for e in validation.errors] == [
        "line 2: sale_price: is required when the sale has a start or an end"
    ]


def test_a_unique_field_another_product_has_is_refused_naming_line_and_field(
    app_config, dbsession_factory
):
    from emporium_bookstore.models import BookDetails

    with dbsession_factory() as dbsession:
        taken = dbsession.scalar(select(BookDetails.isbn).limit(1))
    data = (
        "sku,section,name,price,author,isbn,format,age_min,age_max\n"
        f"UNIQ-1,books,Taken,1.00,Ann,{taken},paperback,3,5\n"
        "UNIQ-2,books,First,1.00,Ann,9781111111111,paperback,3,5\n"
        "UNIQ-3,books,Second,1.00,Ann,9781111111111,paperback,3,5\n"
    )
    validation = validate(app_config, dbsession_factory, data.encode())
    assert [(e.line, e.field) for e in validation.errors] == [
        (2, "isbn"),
        (4, "isbn"),
    ]
    assert [row.sku for row in validation.rows] == ["UNIQ-2"]


def test_an_uploaded_file_cannot_name_photo_files(app_config, dbsession_factory):
    """Only an import from a folder (``emporium import``) reads photo files:
    a file uploaded to the console has none beside it."""
    data = b"sku,section,name,price,images\nUP-1,store,Kite,1.00,kite.jpg=A kite\n"
    validation = validate(app_config, dbsession_factory, data)
    assert [(e.line, e.field) for e in validation.errors] == [(1, "images")]
    assert "emporium import" in validation.errors[0].message
    assert validation.rows == []
