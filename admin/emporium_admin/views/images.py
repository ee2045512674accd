"""The product edit screen's image manager: upload, order, alt text, delete."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther

from emporium.media.images import ImageRejected
from emporium_admin.resources import actor_of
from emporium_admin.views import catalog as catalog_views
from emporium_admin.views.imports import close_spooled_body
from emporium_catalog.interfaces import IProductPhotos


def _photos(request) -> IProductPhotos:
    return request.registry.getUtility(IProductPhotos)


def _refused(request, product_id: int, message: str, status: int):
    """The edit screen again, the photos' error shown, nothing saved."""
    request.tm.doom()
    request.matchdict = {**(request.matchdict or {}), "id": str(product_id)}
    values = catalog_views.edit_product_form(request)
    values["photo_error"] = message
    request.response.status = status
    return values


def _back(request, product_id: int):
    url = request.route_path("admin.product", id=product_id, _anchor="photos")
    return HTTPSeeOther(url)


def _product_id(text: str | None) -> int:
    if not text or not text.isdigit() or len(text) > 18:
        raise HTTPNotFound("no such product")
    return int(text)


def upload_image(request):
    request.add_finished_callback(close_spooled_body)
    product_id = _product_id(request.POST.get("product_id"))
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file"):
        return _refused(request, product_id, "file: choose a photo to upload", 400)
    filename = upload.filename or "upload"
    try:
        data = upload.file.read()
    finally:
        upload.file.close()
    alt = request.POST.get("alt", "")
    try:
        _photos(request).add(
            request.dbsession, product_id, filename, data, alt, actor_of(request)
        )
    except LookupError:
        raise HTTPNotFound("no such product") from None
    except ImageRejected as refused:
        return _refused(
            request, product_id, str(refused), 413 if refused.too_large else 400
        )
    except ValueError as refused:
        return _refused(request, product_id, str(refused), 400)
    return _back(request, product_id)


def update_images(request):
    product_id = _product_id(request.matchdict["id"])
    photos = _photos(request)
    actor = actor_of(request)
    delete = request.POST.get("delete")
    try:
        if delete:
            if not delete.isdigit() or not photos.delete(
                request.dbsession, product_id, int(delete), actor
            ):
                return _refused(request, product_id, f"no photo {delete}", 400)
            return _back(request, product_id)
        alts, positions = {}, {}
        for name, value in request.POST.items():
            kind, _, ident = name.partition(".")
            if kind in ("alt", "position") and ident.isdigit():
                (alts if kind == "alt" else positions)[int(ident)] = value
        try:
            order = sorted(positions, key=lambda i: (int(positions[i]), i))
        except ValueError:
            return _refused(
                request, product_id, "position: must be a whole number", 400
            )
        photos.update(request.dbsession, product_id, order, alts, actor)
    except LookupError as missing:
        return _refused(request, product_id, str(missing).strip("'\""), 400)
    except ValueError as refused:
        return _refused(request, product_id, str(refused), 400)
    return _back(request, product_id)
