import io
import struct
import zlib

import pytest
from PIL import Image

from emporium.media.images import ImageRejected, Limits, check, derivatives

LIMITS = Limits(max_bytes=2_000_000, max_pixels=4_000_000)


def encoded(fmt: str, size=(800, 600), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 60, 128)[: len(mode)]).save(out, fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_jpeg_png_or_webp_is_accepted_with_its_size(fmt):
    photo = check(encoded(fmt), "toy.img", LIMITS)
    assert (photo.format, photo.width, photo.height) == (fmt, 800, 600)


def test_a_file_that_is_not_an_image_is_refused_naming_it():
    with pytest.raises(ImageRejected, match=r"^notes\.txt: is not a JPEG, PNG or WebP"):
        check(b"just some text", "notes.txt", LIMITS)


def test_another_image_format_is_refused_naming_it():
    with pytest.raises(ImageRejected, match=r"^anim\.gif: is GIF"):
        check(encoded("GIF"), "anim.gif", LIMITS)


@pytest.mark.parametrize("size", [(2001, 2000), (40_000, 40_000), (100_000, 100_000)])
def test_a_canvas_over_the_pixel_limit_is_refused_before_decoding(size):
    bomb = png_claiming(*size)
    assert len(bomb) < 200
    refused = r"^bomb\.png: has more than 4000000 pixels"
    with pytest.raises(ImageRejected, match=refused):
        check(bomb, "bomb.png", LIMITS)


def test_a_file_over_the_byte_limit_is_refused_as_too_large():
    with pytest.raises(ImageRejected, match=r"^big\.jpg: is larger than 10 bytes") as e:
        check(encoded("JPEG"), "big.jpg", Limits(max_bytes=10, max_pixels=10**6))
    assert e.value.too_large


def test_a_truncated_photo_is_refused_when_its_pixels_are_read():
    data = encoded("PNG", (300, 300))[:80]
    with pytest.raises(ImageRejected, match=r"^cut\.png: "):
        derivatives(check(data, "cut.png", LIMITS))


def test_every_size_at_both_scales_in_webp_and_a_fallback():
    made = derivatives(check(encoded("JPEG", (2000, 1500)), "toy.jpg", LIMITS))
    boxes = {(d.kind, d.scale, d.extension): (d.width, d.height) for d in made}
    assert len(made) == 12
    assert boxes[("detail", 2, "webp")] == (1440, 1080)
    assert boxes[("detail", 1, "jpg")] == (720, 540)
    assert boxes[("card", 2, "jpg")] == (640, 480)
    assert boxes[("card", 1, "webp")] == (320, 240)
    assert boxes[("thumbnail", 1, "jpg")] == (96, 72)
    for d in made:
        with Image.open(io.BytesIO(d.data)) as image:
            assert image.size == (d.width, d.height)
            assert image.format == {"webp": "WEBP", "jpg": "JPEG"}[d.extension]


def test_a_transparent_photo_falls_back_to_png_and_a_small_one_is_not_enlarged():
    made = derivatives(check(encoded("PNG", (200, 100), "RGBA"), "t.png", LIMITS))
    assert {d.extension for d in made} == {"webp", "png"}
    assert {(d.width, d.height) for d in made if d.kind == "detail"} == {(200, 100)}
