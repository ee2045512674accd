"""Demo photos drawn on the machine (nothing downloaded), so a seeded store
shows real raster pictures. A few are drawn and made into derivatives once
per seeding, then shared by the products (a photo per product would make
seeding a large catalog take minutes)."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

from emporium.interfaces import IMediaStore
from emporium.media.images import Limits, check, derivatives

# Products seeded with a photo: the first this many of a seeding (a demo
# store's worth); the rest keep their generated placeholder.
PHOTO_PRODUCTS = 2_000
PALETTE = (
    ((231, 76, 60), (253, 237, 236)),
    ((41, 128, 185), (235, 245, 251)),
    ((39, 174, 96), (233, 247, 239)),
    ((142, 68, 173), (244, 236, 247)),
    ((211, 84, 0), (251, 238, 230)),
    ((22, 160, 133), (232, 246, 243)),
)


def draw(index: int, size: int = 800) -> bytes:
    """A toy-like still life: a backdrop, a floor, and shapes in one colour
    family per ``index``."""
    rng = random.Random(index)
    colour, backdrop = PALETTE[index % len(PALETTE)]
    image = Image.new("RGB", (size, size), backdrop)
    canvas = ImageDraw.Draw(image)
    canvas.rectangle((0, size * 0.72, size, size), fill=tuple(c - 25 for c in backdrop))
    for _ in range(3 + index % 3):
        x, y = rng.randint(80, size - 320), rng.randint(140, size - 360)
        w, h = rng.randint(160, 300), rng.randint(160, 300)
        shade = tuple(max(0, min(255, c + rng.randint(-50, 50))) for c in colour)
        shape = rng.choice(("ellipse", "rectangle", "polygon"))
        if shape == "polygon":
            canvas.polygon([(x, y + h), (x + w // 2, y), (x + w, y + h)], fill=shade)
        elif shape == "ellipse":
            box = (x, y, x + w, y + h)
            canvas.ellipse(box, fill=shade, outline=(40, 40, 40), width=4)
        else:
            canvas.rounded_rectangle((x, y, x + w, y + h), 24, fill=shade)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def demo_sources(registry, count: int = 6) -> list[dict]:
    """The ``sources`` of ``count`` drawn photos, kept in the media store."""
    from emporium_catalog.photos.service import sources_of

    store = registry.getUtility(IMediaStore)
    made = []
    for index in range(count):
        photo = check(draw(index), f"demo-{index}.png", Limits())
        made.append(sources_of(derivatives(photo), store))
    return made
