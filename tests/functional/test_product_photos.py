"""Product photos through the admin's image manager, onto the product page
and its card; what is refused, and that a refusal saves nothing."""

from __future__ import annotations

import io
import re
import time

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emporium.accounts.services import create_user
from emporium.audit import AuditEntry
from emporium.interfaces import IPasswordHasher
from emporium_catalog.models import Category, Product
from emporium_catalog.photos.models import ProductImage
from tests.functional.test_admin import PASSWORD, log_in
from tests.unit.emporium.media.test_images import png_claiming


@pytest.fixture
def merchandiser(new_client, app_config, engine):
    email = f"photos-{time.time_ns()}@example.com"
    hasher = app_config.registry.getUtility(IPasswordHasher)
    with Session(engine) as session, session.begin():
        create_user(session, hasher, email, PASSWORD, roles="merchandiser")
    client = new_client()
    assert log_in(client, email).status_int == 303
    return client


def photo(colour=(30, 120, 200), size=(900, 600), fmt="JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def upload_form(client, product_id):
    page = client.get(f"/admin/products/{product_id}")
    return next(f for f in page.forms.values() if f.action == "/admin/product-images")


def upload(client, product_id, data, filename="toy.jpg", alt="A blue toy", status="*"):
    form = upload_form(client, product_id)
    form["file"] = (filename, data)
    form["alt"] = alt
    return form.submit(status=status)


def photos_of(engine, product_id) -> list[ProductImage]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(ProductImage)
                .where(ProductImage.product_id == product_id)
                .order_by(ProductImage.position)
            )
        )


def test_an_uploaded_photo_shows_on_the_product_page_and_its_card(
    merchandiser, testapp, engine, make_product
):
    product_id = make_product(name="Photographed kite")
    with Session(engine) as session, session.begin():
        # The best seller of all, so its category's first page lists it
        # whatever other tests have added.
        session.get(Product, product_id).best_seller_rank = 0
    before = testapp.get(f"/products/{product_id}")
    assert "<picture>" not in before.text
    response = upload(merchandiser, product_id, photo(), status=303)
    assert response.location.endswith(f"/admin/products/{product_id}#photos")
    (image,) = photos_of(engine, product_id)
    assert image.alt == "A blue toy" and image.filename == "toy.jpg"

    # Purged after commit and the cache partition invalidated: the next
    # view of the page shows the photo, every size with srcset and its size.
    page = testapp.get(f"/products/{product_id}")
    detail = image.sources["detail"]
    assert (detail["width"], detail["height"]) == (720, 480)
    picture = re.search(r"<picture>.*?</picture>", page.text, re.S).group(0)
    webp_1x, webp_2x = detail["webp"]
    assert f"/images/media/{webp_1x} 1x, /images/media/{webp_2x} 2x" in picture
    assert 'type="image/webp"' in picture
    assert f'src="/images/media/{detail["fallback"][0]}"' in picture
    assert 'alt="A blue toy"' in picture
    assert 'width="720" height="480"' in picture
    served = testapp.get(f"/images/media/{detail['fallback'][0]}")
    assert served.content_type == "image/jpeg"
    with Image.open(io.BytesIO(served.body)) as one_x:
        assert one_x.size == (720, 480)
    double = testapp.get(f"/images/media/{webp_2x}")
    with Image.open(io.BytesIO(double.body)) as two_x:
        assert (two_x.format, two_x.size) == ("WEBP", (900, 600))
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    # The card on its category's first page shows the card size.
    card = image.sources["card"]
    with Session(engine) as session:
        slug = session.scalar(
            select(Category.slug).join(Product).where(Product.id == product_id)
        )
    found = testapp.get(f"/categories/{slug}")
    assert f"/images/media/{card['fallback'][0]}" in found.text
    assert f'width="{card["width"]}" height="{card["height"]}"' in found.text
    with Session(engine) as session, session.begin():
        # Back among the ranks a catalog file carries, so exports import back.
        session.get(Product, product_id).best_seller_rank = 1

    with Session(engine) as session:
        actions = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.target == f"product:{product_id}"
            )
        ).all()
    assert "product.image.add" in actions


def test_photos_are_ordered_described_and_removed_in_the_edit_screen(
    merchandiser, testapp, engine, make_product
):
    product_id = make_product()
    upload(merchandiser, product_id, photo((200, 0, 0)), "red.jpg", "Red", 303)
    upload(merchandiser, product_id, photo((0, 200, 0)), "green.png", "Green", 303)
    red, green = photos_of(engine, product_id)
    page = merchandiser.get(f"/admin/products/{product_id}")
    form = next(f for f in page.forms.values() if f.action.endswith("/images"))
    form[f"position.{red.id}"] = "2"
    form[f"position.{green.id}"] = "1"
    form[f"alt.{green.id}"] = "A green ball"
    form.submit(status=303)
    assert [(p.id, p.alt) for p in photos_of(engine, product_id)] == [
        (green.id, "A green ball"),
        (red.id, "Red"),
    ]
    assert 'alt="A green ball"' in testapp.get(f"/products/{product_id}").text

    page = merchandiser.get(f"/admin/products/{product_id}")
    form = next(f for f in page.forms.values() if f.action.endswith("/images"))
    form.submit("delete", index=0, status=303)
    assert [p.id for p in photos_of(engine, product_id)] == [red.id]
    assert "A green ball" not in testapp.get(f"/products/{product_id}").text

    page = merchandiser.get(f"/admin/products/{product_id}")
    form = next(f for f in page.forms.values() if f.action.endswith("/images"))
    form[f"alt.{red.id}"] = "  "
    refused = form.submit(status=400)
    assert f"alt text of image {red.id} is required" in refused.text
    assert photos_of(engine, product_id)[0].alt == "Red"


@pytest.mark.parametrize(
    ("data", "filename", "alt", "message"),
    [
        (b"%PDF-1.4 not a photo", "manual.pdf", "x", "manual.pdf: is not a JPEG, PNG"),
        (png_claiming(20_000, 20_000), "bomb.png", "x", "bomb.png: has more than"),
        (photo(fmt="GIF"), "anim.gif", "x", "anim.gif: is GIF"),
        (photo(), "toy.jpg", "  ", "toy.jpg: alt text is required"),
    ],
)
def test_a_refused_upload_names_the_file_and_saves_nothing(
    merchandiser, engine, make_product, data, filename, alt, message
):
    product_id = make_product()
    with Session(engine) as session:
        audited = session.scalar(select(func.count()).select_from(AuditEntry))
    response = upload(merchandiser, product_id, data, filename, alt, status=400)
    assert message in response.text
    assert photos_of(engine, product_id) == []
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audited


def test_an_upload_over_the_size_limit_is_a_413(merchandiser, engine, make_product):
    product_id = make_product()
    too_big = b"\xff\xd8" + b"\0" * (20 * 1024 * 1024 + 70 * 1024)
    upload(merchandiser, product_id, too_big, "huge.jpg", status=413)
    assert photos_of(engine, product_id) == []


def test_seeded_products_show_photos_drawn_on_the_machine(testapp, dbsession):
    product_id = dbsession.scalar(select(func.min(Product.id)))
    image = dbsession.scalar(
        select(ProductImage).where(ProductImage.product_id == product_id)
    )
    assert image.filename.startswith("demo-") and image.alt
    page = testapp.get(f"/products/{product_id}")
    card = image.sources["detail"]
    assert f'src="/images/media/{card["fallback"][0]}"' in page.text
    served = testapp.get(f"/images/media/{card['fallback'][0]}")
    with Image.open(io.BytesIO(served.body)) as drawn:
        assert drawn.format == "JPEG" and drawn.size == (card["width"], card["height"])
        assert len(drawn.getcolors(maxcolors=4096) or range(4097)) > 2
