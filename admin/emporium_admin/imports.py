"""CSV import and export of the catalog.

One row per product, keyed by SKU: a known SKU updates the product, a new
one creates it. Validation reads the whole file first and reports every bad
row with its line and field; nothing is written until the file is clean,
unless the good rows are imported on request. The same code serves the
console (in a background thread, with progress) and ``emporium import``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium.audit import record
from emporium.money import from_minor
from emporium.search.interfaces import ISearchIndexer
from emporium.sections import get_sections
from emporium_admin.forms import (
    MAX_STOCK,
    parse_field,
    parse_int,
    parse_money,
    parse_time,
    section_form_fields,
    time_text,
)
from emporium_catalog.models import Category, Product

log = logging.getLogger(__name__)

BASE_COLUMNS = (
    "sku",
    "section",
    "category",
    "name",
    "description",
    "image_url",
    "price",
    "currency",
    "stock",
    "best_seller_rank",
    "sale_price",
    "sale_starts_at",
    "sale_ends_at",
)
REQUIRED_COLUMNS = ("sku", "section", "name", "price")
BATCH = 500
MAX_ERRORS = 10_000
# How long an import waits for the search index to take in its rows.
INDEX_WAIT = 300.0


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class ImportRow:
    line: int
    sku: str
    section: str
    values: dict
    details: dict


@dataclass
class Validation:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0
    bad_lines: int = 0

    @property
    def clean(self) -> bool:
        return not self.errors


def section_columns(registry) -> dict[str, list]:
    """The section's own columns: ``<field>`` for each writable field."""
    return {
        s.name: [f for f in section_form_fields(s) if f.writable]
        for s in get_sections(registry)
    }


def all_columns(registry) -> list[str]:
    names = list(BASE_COLUMNS)
    for fields in section_columns(registry).values():
        for f in fields:
            if f.name not in names:
                names.append(f.name)
    return names


class CatalogImporter:
    def __init__(self, registry) -> None:
        self.registry = registry
        self.sections = {s.name: s for s in get_sections(registry)}
        self.fields = section_columns(registry)

    def validate(self, dbsession: Session, data: bytes) -> Validation:
        result = Validation()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            result.errors.append(RowError(1, "file", "is not UTF-8 text"))
            return result
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or []
        known = set(all_columns(self.registry))
        for name in REQUIRED_COLUMNS:
            if name not in header:
                result.errors.append(RowError(1, name, "column is missing"))
        for name in header:
            if name not in known:
                result.errors.append(RowError(1, name or "(empty)", "unknown column"))
        if result.errors:
            return result
        categories = {
            (c.section, c.slug): c.id for c in dbsession.scalars(select(Category))
        }
        seen: dict[str, int] = {}
        for line, raw in self._rows(reader):
            result.total += 1
            errors: dict[str, str] = {}
            row = self._row(line, raw, categories, seen, errors)
            if errors:
                result.bad_lines += 1
                for name, message in errors.items():
                    if len(result.errors) < MAX_ERRORS:
                        result.errors.append(RowError(line, name, message))
            else:
                result.rows.append(row)
        self._check_existing(dbsession, result)
        return result

    @staticmethod
    def _rows(reader) -> Iterator[tuple[int, dict]]:
        for raw in reader:
            if None in raw:
                raw = dict(raw)
                raw["__extra__"] = raw.pop(None)
            yield reader.line_num, raw

    def _row(self, line, raw, categories, seen, errors) -> ImportRow | None:
        if "__extra__" in raw:
            errors["row"] = "has more values than the header has columns"
        get = lambda name: unguard((raw.get(name) or "").strip())  # noqa: E731
        sku = get("sku")
        if not sku:
            errors["sku"] = "is required"
        elif len(sku) > 40 or any(c.isspace() for c in sku):
            errors["sku"] = "must be at most 40 characters, without spaces"
        elif sku in seen:
            errors["sku"] = f"repeats line {seen[sku]}"
        else:
            seen[sku] = line
        section_name = get("section")
        section = self.sections.get(section_name)
        if section is None:
            errors["section"] = f"must be one of: {', '.join(self.sections)}"
        name = get("name")
        if not name:
            errors["name"] = "is required"
        elif len(name) > 300:
            errors["name"] = "must be at most 300 characters"
        currency = (get("currency") or "USD").upper()
        if len(currency) != 3 or not currency.isalpha():
            errors["currency"] = "must be a three-letter code such as USD"
            currency = "USD"
        values: dict = {"name": name, "currency": currency}
        values["price_minor"] = parse_money(get("price"), currency, "price", errors)
        for column in ("description", "image_url"):
            if column in raw:
                values[column] = get(column)
        if get("stock"):
            values["stock"] = parse_int(get("stock"), "stock", errors, 0, MAX_STOCK)
        if get("best_seller_rank"):
            values["best_seller_rank"] = parse_int(
                get("best_seller_rank"), "best_seller_rank", errors, 1, 2**31 - 1
            )
        if get("category"):
            category_id = categories.get((section_name, get("category")))
            if category_id is None and section is not None:
                errors["category"] = (
                    f"no category {get('category')!r} in {section_name}"
                )
            values["category_id"] = category_id
        if "sale_price" in raw:
            sale = get("sale_price")
            values["sale_price_minor"] = (
                parse_money(sale, currency, "sale_price", errors) if sale else None
            )
            values["sale_starts_at"] = parse_time(
                get("sale_starts_at"), "sale_starts_at", errors
            )
            values["sale_ends_at"] = parse_time(
                get("sale_ends_at"), "sale_ends_at", errors
            )
            starts, ends = values["sale_starts_at"], values["sale_ends_at"]
            if starts and ends and ends <= starts:
                errors["sale_ends_at"] = "must be after the start"
            price, sale_minor = values["price_minor"], values["sale_price_minor"]
            if sale_minor is not None and price is not None and sale_minor >= price:
                errors["sale_price"] = "must be lower than the price"
        details = {}
        if section is not None:
            for f in self.fields[section.name]:
                if f.name in raw:
                    details[f.name] = parse_field(f, raw.get(f.name), errors)
        return ImportRow(line, sku, section_name, values, details)

    def _check_existing(self, dbsession: Session, result: Validation) -> None:
        """Rows for known SKUs keep their section; new products need every
        required field of their section."""
        skus = [row.sku for row in result.rows]
        existing: dict[str, tuple[int, str]] = {}
        for start in range(0, len(skus), 500):
            chunk = skus[start : start + 500]
            for sku, ident, section in dbsession.execute(
                select(Product.sku, Product.id, Product.section).where(
                    Product.sku.in_(chunk)
                )
            ):
                existing[sku] = (ident, section)
        good = []
        for row in result.rows:
            errors = []
            found = existing.get(row.sku)
            if found is not None and found[1] != row.section:
                errors.append(
                    RowError(row.line, "section", f"the product is in {found[1]}")
                )
            if found is None:
                for f in self.fields[row.section]:
                    if f.required and row.details.get(f.name) is None:
                        errors.append(RowError(row.line, f.name, "is required"))
            if errors:
                result.bad_lines += 1
                result.errors.extend(errors[: max(0, MAX_ERRORS - len(result.errors))])
            else:
                good.append(row)
        result.rows = good
        result.errors.sort(key=lambda e: e.line)

    def apply(
        self,
        sessions: Callable[[], Session],
        rows: list[ImportRow],
        actor: str,
        progress: Callable[[int], None] = lambda n: None,
        batch: int = BATCH,
    ) -> dict:
        """Write ``rows`` in batches, each in its own transaction: the object
        cache, the search index and the proxies' pages follow each commit
        (the session factory's own hooks invalidate, index and purge).
        Returns once the search index holds the rows too."""
        created = updated = 0
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            with sessions() as dbsession, dbsession.begin():
                products = {
                    p.sku: p
                    for p in dbsession.scalars(
                        select(Product).where(Product.sku.in_([r.sku for r in chunk]))
                    )
                }
                for row in chunk:
                    product = products.get(row.sku)
                    if product is None:
                        product = Product(sku=row.sku, section=row.section)
                        dbsession.add(product)
                        created += 1
                    else:
                        updated += 1
                    for name, value in row.values.items():
                        if getattr(product, name) != value:
                            setattr(product, name, value)
                    dbsession.flush()
                    section = self.sections[row.section]
                    if row.details and section.details_model is not None:
                        details = dbsession.get(section.details_model, product.id)
                        if details is None:
                            details = section.details_model(product_id=product.id)
                            dbsession.add(details)
                        for name, value in row.details.items():
                            if value is not None or _nullable(section, name):
                                setattr(details, name, value)
            progress(len(chunk))
        with sessions() as dbsession, dbsession.begin():
            record(
                dbsession,
                actor,
                "catalog.import",
                f"{len(rows)} rows",
                created=created,
                updated=updated,
            )
        _wait_for_index(self.registry)
        return {"created": created, "updated": updated}


def _wait_for_index(registry, timeout: float = INDEX_WAIT) -> None:
    """Each commit queued its products for the search index in the
    background: wait for them, so that an import reported done can be found
    by name, and ``emporium import`` does not exit with them still queued."""
    indexer = registry.queryUtility(ISearchIndexer)
    if indexer is not None and not indexer.drain(timeout):
        log.warning(
            "imported products are still being indexed after %d s; "
            "`emporium reindex` catches up on any left out",
            timeout,
        )


def _nullable(section, name: str) -> bool:
    column = section.details_model.__table__.columns.get(name)
    return column is not None and column.nullable


# -- export --------------------------------------------------------------------


def export_rows(sessions: Callable[[], Session], registry, batch: int = 1000):
    """The catalog as CSV text, a chunk at a time, by keyset on the id: the
    memory used does not grow with the catalog."""
    columns = all_columns(registry)
    sections = {s.name: s for s in get_sections(registry)}
    fields = section_columns(registry)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    yield buffer.getvalue().encode()
    last = 0
    with sessions() as dbsession:
        slugs = {c.id: c.slug for c in dbsession.scalars(select(Category))}
        while True:
            products = list(
                dbsession.scalars(
                    select(Product)
                    .where(Product.id > last)
                    .order_by(Product.id)
                    .limit(batch)
                )
            )
            if not products:
                break
            last = products[-1].id
            details: dict[int, object] = {}
            for name, section in sections.items():
                ids = [p.id for p in products if p.section == name]
                if ids and section.details_model is not None:
                    model = section.details_model
                    for row in dbsession.scalars(
                        select(model).where(model.product_id.in_(ids))
                    ):
                        details[row.product_id] = row
            buffer.seek(0)
            buffer.truncate()
            for p in products:
                values = {
                    "sku": p.sku,
                    "section": p.section,
                    "category": slugs.get(p.category_id, ""),
                    "name": p.name,
                    "description": p.description,
                    "image_url": p.image_url,
                    "price": _money(p.price_minor, p.currency),
                    "currency": p.currency,
                    "stock": p.stock,
                    "best_seller_rank": p.best_seller_rank,
                    "sale_price": _money(p.sale_price_minor, p.currency),
                    "sale_starts_at": time_text(p.sale_starts_at),
                    "sale_ends_at": time_text(p.sale_ends_at),
                }
                row = details.get(p.id)
                for f in fields.get(p.section, ()):
                    value = getattr(row, f.name, None) if row is not None else None
                    values[f.name] = "" if value is None else value
                writer.writerow([guard(values.get(c, "")) for c in columns])
            dbsession.expunge_all()
            yield buffer.getvalue().encode()


# A spreadsheet runs a cell that starts with one of these as a formula
# (CSV injection): exported text cells get a leading apostrophe, which the
# spreadsheet hides and the import takes off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unguard(value: str) -> str:
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _money(minor: int | None, currency: str) -> str:
    return "" if minor is None else str(from_minor(minor, currency))


# -- background jobs of the console ------------------------------------------------


@dataclass
class ImportJob:
    """An uploaded file and where its import stands; kept as JSON beside the
    file so that every worker process of the host can show it."""

    id: str
    filename: str
    actor: str
    status: str = "validated"  # validated, running, done, failed
    total: int = 0
    valid: int = 0
    done: int = 0
    errors: list = field(default_factory=list)
    bad_lines: int = 0
    created: int = 0
    updated: int = 0
    message: str = ""
    started_at: float = 0.0
    finished_at: float = 0.0

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.valid) if self.valid else 100

    def error_rows(self) -> list[RowError]:
        return [RowError(**e) for e in self.errors]


class ImportJobs:
    """Uploaded files and their jobs, in a folder of the host."""

    def __init__(self, folder: str | None = None) -> None:
        self.folder = folder or os.path.join(tempfile.gettempdir(), "emporium-imports")
        os.makedirs(self.folder, exist_ok=True)
        self._lock = threading.Lock()

    def _path(self, job_id: str, suffix: str) -> str:
        if not job_id.isalnum() or len(job_id) > 64:
            raise KeyError(job_id)
        return os.path.join(self.folder, f"{job_id}.{suffix}")

    def create(self, data: bytes, filename: str, actor: str) -> ImportJob:
        job = ImportJob(id=secrets.token_hex(12), filename=filename[:200], actor=actor)
        with open(self._path(job.id, "csv"), "wb") as handle:
            handle.write(data)
        self.save(job)
        return job

    def save(self, job: ImportJob) -> None:
        path = self._path(job.id, "json")
        with self._lock, open(path + ".tmp", "w") as handle:
            json.dump(asdict(job), handle)
        os.replace(path + ".tmp", path)

    def get(self, job_id: str) -> ImportJob | None:
        try:
            with open(self._path(job_id, "json")) as handle:
                return ImportJob(**json.load(handle))
        except (OSError, KeyError, ValueError, TypeError):
            return None

    def data(self, job: ImportJob) -> bytes:
        with open(self._path(job.id, "csv"), "rb") as handle:
            return handle.read()

    def record_validation(self, job: ImportJob, validation: Validation) -> None:
        job.total = validation.total
        job.valid = len(validation.rows)
        job.bad_lines = validation.bad_lines
        job.errors = [asdict(e) for e in validation.errors]
        self.save(job)

    def start(self, job: ImportJob, registry, actor: str) -> threading.Thread:
        """Import the good rows of ``job`` in a background thread."""
        job.status = "running"
        job.done = 0
        job.started_at = time.time()
        self.save(job)
        thread = threading.Thread(
            target=self._run,
            args=(job, registry, actor),
            daemon=True,
            name=f"import-{job.id}",
        )
        thread.start()
        return thread

    def _run(self, job: ImportJob, registry, actor: str) -> None:
        sessions = registry["dbsession_factory"]
        importer = CatalogImporter(registry)
        try:
            with sessions() as dbsession:
                validation = importer.validate(dbsession, self.data(job))
            job.valid = len(validation.rows)
            self.save(job)

            def progress(count: int) -> None:
                job.done += count
                self.save(job)

            counts = importer.apply(sessions, validation.rows, actor, progress)
            job.created, job.updated = counts["created"], counts["updated"]
            job.status = "done"
        except Exception as exc:  # noqa: BLE001 - shown to the merchandiser
            log.exception("import %s failed", job.id)
            job.status = "failed"
            job.message = f"{type(exc).__name__}: {exc}"[:500]
        job.finished_at = time.time()
        self.save(job)
