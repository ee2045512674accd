"""A larger body limit for the console's CSV upload, and for it alone.

The core refuses bodies over ``emporium.max_body_bytes`` (64 KB) before
anything reads them; a catalog file is bigger than that. The import path
gets its own limit, ``emporium.admin.max_upload_bytes`` (10 MB), enforced
the same way; every other path keeps the core's.
"""

from __future__ import annotations

from emporium.settings import setting_value

IMPORT_PATH = "/admin/import"


def allow_uploads(config) -> None:
    limit = setting_value(config.get_settings(), "emporium.admin.max_upload_bytes")
    config.allow_larger_body(IMPORT_PATH, limit)
