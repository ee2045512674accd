"""The ``IProductPhotos`` utility."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from zope.interface import implementer

from emporium import audit
from emporium.interfaces import IMediaStore
from emporium.media import image_limits
from emporium_catalog.interfaces import IProductPhotos
from emporium_catalog.models import Product
from emporium_catalog.photos.models import ProductImage


def load_images(dbsession: Session, ids) -> dict[int, dict]:
    """The ``images`` partition of each product in ``ids``: every product
    has one (no photo: an empty list), so a missing product is told by its
    other partitions."""
    found: dict[int, dict] = {int(i): {"photos": []} for i in ids}
    rows = dbsession.scalars(
        select(ProductImage)
        .where(ProductImage.product_id.in_(list(found)))
        .order_by(ProductImage.product_id, ProductImage.position, ProductImage.id)
    )
    for row in rows:
        found[row.product_id]["photos"].append(row.record())
    return found


def sources_of(made, store) -> dict[str, dict]:
    """Keep ``made`` (derivatives, 1x before 2x) in ``store``; return their
    names by size as ``ProductImage.sources`` holds them."""
    sources: dict[str, dict] = {}
    for d in sorted(made, key=lambda d: d.scale):
        entry = sources.setdefault(d.kind, {"webp": [], "fallback": []})
        if d.scale == 1:
            entry["width"], entry["height"] = d.width, d.height
        name = store.put(d.data, d.extension)
        if d.extension == "webp":
            entry["webp"].append(name)
        else:
            entry["fallback"].append(name)
            entry["type"] = d.extension
    return sources


@implementer(IProductPhotos)
class ProductPhotos:
    def __init__(self, registry) -> None:
        self.registry = registry

    def _product(self, dbsession: Session, product_id: int) -> Product:
        product = dbsession.get(Product, int(product_id))
        if product is None:
            raise LookupError(f"no product {product_id}")
        return product

    def prepare(self, filename, data) -> dict[str, dict]:
        from emporium.media.images import check, derivatives

        settings = self.registry.settings
        made = derivatives(check(data, filename, image_limits(settings)))
        # The files first: a name is its content, so one kept by a
        # transaction that then rolls back is harmless (swept later), never
        # half a photo.
        return sources_of(made, self.registry.getUtility(IMediaStore))

    def add(self, dbsession, product_id, filename, data, alt, actor) -> int:
        alt = (alt or "").strip()
        if not alt:
            raise ValueError(f"{filename}: alt text is required")
        product = self._product(dbsession, product_id)
        sources = self.prepare(filename, data)
        last = dbsession.scalar(
            select(func.max(ProductImage.position)).where(
                ProductImage.product_id == product.id
            )
        )
        image = ProductImage(
            product_id=product.id,
            position=0 if last is None else last + 1,
            alt=alt[:300],
            filename=filename[-255:],
            sources=sources,
        )
        dbsession.add(image)
        dbsession.flush()
        audit.record(
            dbsession, actor, "product.image.add", f"product:{product.id}",
            image=image.id, file=image.filename,
        )  # fmt: skip
        return image.id

    def _rows(self, dbsession, product_id) -> list[ProductImage]:
        return list(
            dbsession.scalars(
                select(ProductImage)
                .where(ProductImage.product_id == int(product_id))
                .order_by(ProductImage.position, ProductImage.id)
            )
        )

    def update(self, dbsession, product_id, order, alts, actor) -> None:
        product = self._product(dbsession, product_id)
        rows = {row.id: row for row in self._rows(dbsession, product.id)}
        for image_id, text in alts.items():
            if int(image_id) not in rows:
                raise LookupError(f"no image {image_id} of product {product.id}")
            if not (text or "").strip():
                raise ValueError(f"alt text of image {image_id} is required")
        ordered = [int(i) for i in order if int(i) in rows]
        ordered += [i for i in rows if i not in ordered]
        for position, image_id in enumerate(ordered):
            row = rows[image_id]
            if row.position != position:
                row.position = position
        for image_id, text in alts.items():
            rows[int(image_id)].alt = text.strip()[:300]
        audit.record(
            dbsession, actor, "product.image.update", f"product:{product.id}",
            order=ordered,
        )  # fmt: skip

    def delete(self, dbsession, product_id, image_id, actor) -> bool:
        row = dbsession.get(ProductImage, int(image_id))
        if row is None or row.product_id != int(product_id):
            return False
        # The product in the session: its pages' keys are found on flush.
        self._product(dbsession, product_id)
        dbsession.delete(row)
        audit.record(
            dbsession, actor, "product.image.delete", f"product:{product_id}",
            image=int(image_id),
        )  # fmt: skip
        return True

    def replace(self, dbsession, product_id, photos, actor) -> None:
        product = self._product(dbsession, product_id)
        wanted = [(name[-255:], alt.strip()[:300], src) for name, alt, src in photos]
        if any(not alt for _, alt, _ in wanted):
            raise ValueError("alt text is required")
        rows = self._rows(dbsession, product.id)
        if [(r.filename, r.alt, r.sources) for r in rows] == wanted:
            return
        for row in rows:
            dbsession.delete(row)
        for position, (filename, alt, sources) in enumerate(wanted):
            dbsession.add(
                ProductImage(
                    product_id=product.id,
                    position=position,
                    alt=alt,
                    filename=filename,
                    sources=sources,
                )
            )
        audit.record(
            dbsession, actor, "product.image.replace", f"product:{product.id}",
            files=[filename for filename, _, _ in wanted],
        )  # fmt: skip

    def photos(self, dbsession, product_id) -> list[dict]:
        return load_images(dbsession, [int(product_id)])[int(product_id)]["photos"]
