"""A merchandiser uploads a product photo in the admin and sees it on the
product page and on the product's card, in a real browser against a real
app server (the browser picks the WebP source and loads it)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium_catalog.models import Category
from emporium_catalog.photos.models import ProductImage
from tests.browser.test_admin_console import a_product, admin  # noqa: F401

pytestmark = pytest.mark.slow
ALT = "A striped spinning top on a wooden floor"


def striped_photo() -> bytes:
    image = Image.new("RGB", (1600, 1200), (250, 245, 230))
    draw = ImageDraw.Draw(image)
    for stripe in range(0, 1600, 100):
        draw.rectangle((stripe, 300, stripe + 50, 900), fill=(200, 40, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def loaded(page, selector: str) -> dict:
    """What the browser made of the first image matching ``selector``."""
    element = page.locator(selector).first
    element.scroll_into_view_if_needed()
    page.wait_for_function(
        "(s) => { const i = document.querySelector(s); return i && i.complete"
        " && i.naturalWidth > 0; }",
        arg=selector,
    )
    return element.evaluate(
        "(i) => ({src: i.currentSrc, alt: i.alt, width: i.naturalWidth})"
    )


def test_an_uploaded_photo_shows_on_the_product_page_and_card(
    admin,  # noqa: F811
    store,
    screenshots,
):
    base, _, registry = store
    product = a_product(store)
    admin.goto(f"{base}/admin/products/{product.id}")
    upload = {"name": "top.jpg", "mimeType": "image/jpeg", "buffer": striped_photo()}
    admin.set_input_files("#photo-file", files=[upload])
    admin.fill("#photo-alt", ALT)
    admin.click("text=Upload photo")
    admin.wait_for_url(f"**/admin/products/{product.id}#photos")
    with Session(registry["db.engine"]) as dbsession:
        new = dbsession.scalars(
            select(ProductImage)
            .where(ProductImage.product_id == product.id)
            .order_by(ProductImage.id.desc())
        ).first()
        slug = dbsession.scalar(
            select(Category.slug).where(Category.id == product.category_id)
        )
    assert new is not None and new.alt == ALT
    # The new photo first: shoppers see it on the page and the card.
    for position in admin.locator("input[name^='position.']").all():
        ident = position.get_attribute("name").split(".")[1]
        position.fill("1" if ident == str(new.id) else "2")
    admin.click("text=Save order and alt text")
    admin.wait_for_url(f"**/admin/products/{product.id}#photos")
    screenshots(admin, "product-photos")

    shopper = admin.context.new_page()
    shopper.goto(f"{base}/products/{product.id}")
    shown = loaded(shopper, ".product-photos picture img")
    detail = new.sources["detail"]
    assert shown["alt"] == ALT
    assert shown["src"].rsplit("/", 1)[1] in detail["webp"]
    assert shown["width"] in (detail["width"], 2 * detail["width"])

    shopper.goto(f"{base}/categories/{slug}")
    card = loaded(shopper, f"a[href='/products/{product.id}'] picture img")
    assert card["src"].rsplit("/", 1)[1] in new.sources["card"]["webp"]
