"""`emporium sweep` removes the photo files no product names any more (a
photo removed, a product deleted) once they are old enough, and never a file
a photo still names, nor one just put (an upload not yet committed)."""

from __future__ import annotations

import os

from sqlalchemy import delete
from sqlalchemy.orm import Session

from emporium.database import utcnow
from emporium.housekeeping import ISweeper
from emporium.interfaces import IMediaStore
from emporium_catalog.models import Product
from tests.functional.test_product_photos import (  # noqa: F401
    merchandiser,
    photo,
    photos_of,
    upload,
)

LONG_AGO = 1_000_000_000  # 2001: older than any keeping time


def files_of(image) -> set[str]:
    return {
        name
        for entry in image.sources.values()
        for name in entry["webp"] + entry["fallback"]
    }


def age(store, names) -> None:
    for name in names:
        path = os.path.join(store.directory, name[:2], name[2:4], name)
        os.utime(path, (LONG_AGO, LONG_AGO))


def sweep(registry) -> int:
    sweeper = registry.getUtility(ISweeper, name="photo-files")
    removed, cursor = 0, None
    while True:
        with Session(registry["db.engine"]) as session, session.begin():
            done, cursor = sweeper.sweep(session, utcnow(), 5, cursor)
        removed += done
        if cursor is None:
            return removed


def test_files_no_photo_names_are_swept_and_named_ones_stay(
    merchandiser,  # noqa: F811
    app_config,
    engine,
    make_product,
):
    registry = app_config.registry
    store = registry.getUtility(IMediaStore)
    kept, removed, deleted = make_product(), make_product(), make_product()
    shared = photo((10, 20, 30))
    upload(merchandiser, kept, shared, "shared.jpg", "Shared", 303)
    upload(merchandiser, removed, shared, "shared.jpg", "Shared", 303)
    upload(merchandiser, removed, photo((90, 20, 30)), "gone.jpg", "Gone", 303)
    upload(merchandiser, deleted, photo((10, 90, 30)), "del.jpg", "Del", 303)
    (still,) = photos_of(engine, kept)
    twin, gone = photos_of(engine, removed)
    (of_deleted,) = photos_of(engine, deleted)
    assert files_of(twin) == files_of(still)
    # The removed product's photos go, one shared with a kept product's.
    page = merchandiser.get(f"/admin/products/{removed}")
    form = next(f for f in page.forms.values() if f.action.endswith("/images"))
    form.submit("delete", index=1, status=303)
    page = merchandiser.get(f"/admin/products/{removed}")
    form = next(f for f in page.forms.values() if f.action.endswith("/images"))
    form.submit("delete", index=0, status=303)
    assert photos_of(engine, removed) == []
    with Session(engine) as session, session.begin():
        session.execute(delete(Product).where(Product.id == deleted))
    assert photos_of(engine, deleted) == []
    unnamed = files_of(gone) | files_of(of_deleted)
    age(store, unnamed | files_of(still))
    young = store.put(b"an upload whose photo is not committed yet", "jpg")

    sweeper = registry.getUtility(ISweeper, name="photo-files")
    with Session(engine) as session:
        assert sweeper.count(session, utcnow()) == len(unnamed)
    assert sweep(registry) == len(unnamed)
    assert not any(store.exists(name) for name in unnamed)
    assert all(store.exists(name) for name in files_of(still))
    assert store.exists(young)
    assert merchandiser.get(f"/products/{kept}").status_int == 200
