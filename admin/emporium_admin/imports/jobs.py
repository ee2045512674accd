"""The console's imports: an uploaded file and where its import stands, run
in a background thread and shown by every worker process of the host."""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field

from emporium.settings import setting_value
from emporium_admin.imports.validation import CatalogImporter, RowError, Validation

log = logging.getLogger(__name__)

_JOBS = f"{__name__}.jobs"


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
        dbsession_factory = registry["dbsession_factory"]
        importer = CatalogImporter(registry)
        try:
            with dbsession_factory() as dbsession:
                validation = importer.validate(dbsession, self.data(job))
            job.valid = len(validation.rows)
            self.save(job)

            def progress(count: int) -> None:
                job.done += count
                self.save(job)

            counts = importer.apply(dbsession_factory, validation.rows, actor, progress)
            job.created, job.updated = counts["created"], counts["updated"]
            job.status = "done"
        except Exception as exc:  # noqa: BLE001 - shown to the merchandiser
            log.exception("import %s failed", job.id)
            job.status = "failed"
            job.message = f"{type(exc).__name__}: {exc}"[:500]
        job.finished_at = time.time()
        self.save(job)


def register_jobs(config) -> None:
    """The host's jobs, in ``emporium.admin.import_dir`` (a temporary
    folder by default)."""
    folder = setting_value(config.get_settings(), "emporium.admin.import_dir")
    config.registry[_JOBS] = ImportJobs(folder)


def get_jobs(registry) -> ImportJobs:
    return registry[_JOBS]
