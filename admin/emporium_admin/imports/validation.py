"""Reading an uploaded CSV file: every row parsed by the catalog's product
schema, every bad row reported with its line and field; then the good rows
written through the catalog's ``IProductWriter``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from emporium.sections import get_sections
from emporium.settings import setting_value
from emporium_admin.imports import images
from emporium_admin.imports.formulas import unguard
from emporium_catalog.interfaces import IProductReader, IProductWriter

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
# An empty cell of these keeps the product's value (a new one's default).
KEPT_WHEN_EMPTY = ("stock", "best_seller_rank", "category")
BATCH = 500
MAX_ERRORS = 10_000


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
    # (filename, alt, sources) from the images column; None keeps them.
    photos: list | None = None


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
    writer = registry.getUtility(IProductWriter)
    return {
        s.name: [f for f in writer.input_fields(s) if f.writable]
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
    """Validates and imports a CSV file; ``folder``, the file's own folder
    when it has one (``emporium import``), is where the ``images`` column's
    files are."""

    def __init__(self, registry, folder: str | None = None) -> None:
        self.registry = registry
        self.reader = registry.getUtility(IProductReader)
        self.folder = folder
        self.writer = registry.getUtility(IProductWriter)
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
        try:
            header = reader.fieldnames or []
        except csv.Error as exc:  # a cell past the reader's limit, and such
            result.errors.append(RowError(1, "file", f"cannot be read as CSV: {exc}"))
            return result
        known = set(all_columns(self.registry)) | {images.COLUMN}
        photos = self._photo_folder() if images.COLUMN in header else None
        if images.COLUMN in header and photos is None:
            result.errors.append(
                RowError(
                    1,
                    images.COLUMN,
                    "names photo files, which only an import from a folder"
                    " reads: emporium import INI FILE.csv, the files beside it",
                )
            )
        for name in REQUIRED_COLUMNS:
            if name not in header:
                result.errors.append(RowError(1, name, "column is missing"))
        for name in header:
            if name not in known:
                result.errors.append(RowError(1, name or "(empty)", "unknown column"))
        if result.errors:
            return result
        categories = {
            section: {c.id: c.slug for c in found}
            for section, found in self.reader.categories(dbsession).items()
        }
        seen: dict[str, int] = {}
        try:
            for line, raw in self._rows(reader):
                result.total += 1
                errors: dict[str, str] = {}
                row = self._row(line, raw, categories, seen, errors, photos)
                if errors:
                    result.bad_lines += 1
                    for name, message in errors.items():
                        if len(result.errors) < MAX_ERRORS:
                            result.errors.append(RowError(line, name, message))
                else:
                    result.rows.append(row)
        except csv.Error as exc:
            line = reader.line_num + 1  # the lines before the one it failed on
            result.errors.append(
                RowError(line, "file", f"cannot be read as CSV: {exc}")
            )
            return result
        self._check_existing(dbsession, result)
        return result

    @staticmethod
    def _rows(reader) -> Iterator[tuple[int, dict]]:
        for raw in reader:
            if None in raw:
                raw = dict(raw)
                raw["__extra__"] = raw.pop(None)
            yield reader.line_num, raw

    def _photo_folder(self) -> images.PhotoFolder | None:
        if self.folder is None:
            return None
        limit = setting_value(self.registry.settings, "emporium.media.max_bytes")
        return images.PhotoFolder(self.registry, self.folder, limit)

    def _row(self, line, raw, categories, seen, errors, photos=None) -> ImportRow:
        if "__extra__" in raw:
            errors["row"] = "has more values than the header has columns"
        # The cells of the file's columns, as the product schema takes them.
        cells = {
            name: unguard((value or "").strip())
            for name, value in raw.items()
            if name != "__extra__"
        }
        photo_cell = cells.pop(images.COLUMN, "")
        section_name = cells.get("section", "")
        section = self.sections.get(section_name)
        if section is None:
            errors["section"] = f"must be one of: {', '.join(self.sections)}"
            cells.pop("category", None)
        given = {
            name: value
            for name, value in cells.items()
            if value or name not in KEPT_WHEN_EMPTY
        }
        values, details = self.writer.parse(
            section,
            given,
            {f.name: cells.get(f.name) for f in self.fields.get(section_name, ())},
            categories.get(section_name, {}),
            errors,
        )
        sku = values["sku"]
        if "sku" not in errors:
            if sku in seen:
                errors["sku"] = f"repeats line {seen[sku]}"
            else:
                seen[sku] = line
        row = ImportRow(line, sku, section_name, values, details)
        if photo_cell and photos is not None:
            try:
                row.photos = photos.parse(photo_cell)
            except ValueError as exc:
                errors[images.COLUMN] = str(exc)
        return row

    def _check_existing(self, dbsession: Session, result: Validation) -> None:
        """Rows for known SKUs keep their section; new products need every
        required field of their section."""
        existing = self.reader.sections_of(dbsession, [row.sku for row in result.rows])
        clashes = self._unique_clashes(dbsession, result.rows, existing)
        good = []
        for row in result.rows:
            errors = clashes.get(row.line, [])
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

    def _unique_clashes(
        self, dbsession: Session, rows: list[ImportRow], existing: dict
    ) -> dict[int, list[RowError]]:
        """The rows whose value of a unique field of their section another
        product has, or an earlier row: refused as the form refuses them."""
        found: dict[int, list[RowError]] = {}
        for name, section in self.sections.items():
            ours = [row for row in rows if row.section == name]
            entries = [(existing.get(r.sku, (None,))[0], r.details) for r in ours]
            clashes = self.writer.unique_clashes(dbsession, section, entries)
            lines = [row.line for row in ours]
            for index, fields in clashes.items():
                line = lines[index]
                for field_name, clash in fields.items():
                    message = clash.message(lambda i, lines=lines: f"line {lines[i]}")
                    found.setdefault(line, []).append(
                        RowError(line, field_name, message)
                    )
        return found

    def apply(
        self,
        dbsession_factory: Callable[[], Session],
        rows: list[ImportRow],
        actor: str,
        progress: Callable[[int], None] = lambda n: None,
        batch: int = BATCH,
    ) -> dict:
        """Write ``rows`` in batches, each in its own transaction: the object
        cache, the search index and the proxies' pages follow each commit.
        Returns once the search index holds the rows too."""
        return self.writer.save_many(dbsession_factory, rows, actor, progress, batch)
