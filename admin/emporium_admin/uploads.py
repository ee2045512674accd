"""A larger body limit for the console's CSV upload, and for it alone.

The core refuses bodies over ``emporium.max_body_bytes`` (64 KB) before
anything reads them; a catalog file is bigger than that. The import path
gets its own limit, ``emporium.admin.max_upload_bytes`` (10 MB), enforced
the same way; every other path keeps the core's.
"""

from __future__ import annotations

from pyramid.interfaces import IExecutionPolicy

from emporium.bodysize import BodyLimitPolicy
from emporium.settings import setting_value

IMPORT_PATH = "/admin/import"


class UploadLimitPolicy:
    def __init__(self, outer: BodyLimitPolicy, path: str, limit: int) -> None:
        self.outer = outer
        self.upload = BodyLimitPolicy(outer.inner, limit)
        self.path = path

    def __call__(self, environ, router):
        if environ.get("PATH_INFO") == self.path:
            return self.upload(environ, router)
        return self.outer(environ, router)


def allow_uploads(config) -> None:
    limit = setting_value(config.get_settings(), "emporium.admin.max_upload_bytes")

    def wrap() -> None:
        registry = config.registry
        current = registry.queryUtility(IExecutionPolicy)
        if isinstance(current, BodyLimitPolicy):
            registry.registerUtility(
                UploadLimitPolicy(current, IMPORT_PATH, limit), IExecutionPolicy
            )

    config.action(("emporium_admin.upload_limit",), wrap, order=10)
