"""CSV import with a report of every bad row, progress while it runs; export."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther

from emporium_admin.imports import CatalogImporter, all_columns, get_jobs
from emporium_admin.resources import actor_of
from emporium_admin.views import page


def _jobs(request):
    return get_jobs(request.registry)


def import_form(request, errors=None, status=200):
    request.response.status = status
    return page(request, columns=all_columns(request.registry), errors=errors or {})


def close_spooled_body(request) -> None:
    # WebOb spools a large body to a temporary file of its own to parse it;
    # close that one (an anonymous file: its name is a descriptor), never the
    # server's own input stream.
    raw = request.body_file_raw
    if request.is_body_seekable and isinstance(getattr(raw, "name", None), int):
        raw.close()


def upload(request):
    request.add_finished_callback(close_spooled_body)
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file"):
        return import_form(request, {"file": "choose a CSV file to upload"}, 400)
    try:
        data = upload.file.read()
    finally:
        # A large upload is spooled to a temporary file: give it back now.
        upload.file.close()
    if not data.strip():
        return import_form(request, {"file": "is empty"}, 400)
    jobs = _jobs(request)
    job = jobs.create(data, upload.filename or "upload.csv", actor_of(request))
    validation = CatalogImporter(request.registry).validate(request.dbsession, data)
    jobs.record_validation(job, validation)
    if validation.clean:
        # The import itself runs once this request has committed.
        actor, registry = actor_of(request), request.registry
        request.tm.get().addAfterCommitHook(
            lambda ok: ok and jobs.start(job, registry, actor)
        )
        job.status = "running"
        jobs.save(job)
    return HTTPSeeOther(request.route_path("admin.import.job", job=job.id))


def job_page(request):
    job = _jobs(request).get(request.matchdict["job"])
    if job is None:
        raise HTTPNotFound()
    return page(request, job=job, job_errors=job.error_rows())


def import_good_rows(request):
    """Import the rows that passed, leaving the bad ones out, on request."""
    jobs = _jobs(request)
    job = jobs.get(request.matchdict["job"])
    if job is None:
        raise HTTPNotFound()
    if job.status == "validated" and job.valid:
        actor = actor_of(request)
        registry = request.registry
        request.tm.get().addAfterCommitHook(
            lambda ok: ok and jobs.start(job, registry, actor)
        )
        job.status = "running"
        jobs.save(job)
    return HTTPSeeOther(request.route_path("admin.import.job", job=job.id))
