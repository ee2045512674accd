"""Larger body limits for the console's CSV and photo uploads, and for them alone.

The core refuses bodies over ``emporium.max_body_bytes`` (64 KB) before
anything reads them; a catalog file is bigger than that. The import path
gets its own limit, ``emporium.admin.max_upload_bytes`` (10 MB), enforced
the same way; every other path keeps the core's.
"""

from __future__ import annotations

from emporium.settings import setting_value

IMPORT_PATH = "/admin/import"
PHOTO_PATH = "/admin/product-images"


def allow_uploads(config) -> None:
    limit = setting_value(config.get_settings(), "emporium.admin.max_upload_bytes")
    config.allow_larger_body(IMPORT_PATH, limit)
    # A product photo: the media limit, and room for the form's other fields.
    photo = setting_value(config.get_settings(), "emporium.media.max_bytes")
    config.allow_larger_body(PHOTO_PATH, photo + 64 * 1024)
