"""Uploaded media: the ``IMediaStore`` utility and the URLs that serve it.

The store is chosen by ``emporium.media.store`` (a dotted name of a class
taking the settings), a local folder by default. Files are served at
``/images/media/<content hash>.<ext>``: a name is never reused for other
bytes, so the response may be kept for a year by browsers and the proxy tier
(whose static rules already cover ``/images/``)."""

from __future__ import annotations

import os

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response

from emporium.interfaces import IMediaStore
from emporium.settings import setting_value

IMMUTABLE = "public, max-age=31536000, immutable"
# What the store serves; Pillow is imported only where photos are read.
CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}


def media_directory(settings: dict) -> str:
    """``emporium.media.directory``, else ``<here>/var/media``."""
    configured = setting_value(settings, "emporium.media.directory")
    if configured:
        return os.path.abspath(configured)
    here = settings.get("here") or os.getcwd()
    return os.path.join(here, "var", "media")


def local_store(settings: dict):
    from emporium.media.local import LocalMediaStore

    return LocalMediaStore(media_directory(settings))


def image_limits(settings: dict):
    from emporium.media.images import Limits

    return Limits(
        max_bytes=setting_value(settings, "emporium.media.max_bytes"),
        max_pixels=setting_value(settings, "emporium.media.max_pixels"),
    )


def serve(request) -> Response:
    name = request.matchdict["name"]
    extension = name.rpartition(".")[2]
    data = request.registry.getUtility(IMediaStore).get(name)
    if data is None or extension not in CONTENT_TYPES:
        raise HTTPNotFound(f"no media named {name}")
    response = Response(body=data, content_type=CONTENT_TYPES[extension])
    response.cache_control = IMMUTABLE
    response.etag = name.partition(".")[0]
    response.conditional_response = True
    return response


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    factory = config.maybe_dotted(setting_value(settings, "emporium.media.store"))
    config.registry.registerUtility(factory(settings), IMediaStore)
    config.add_route("media", r"/images/media/{name:[0-9a-f]{32}\.[a-z0-9]{1,5}}")
    config.add_view(serve, route_name="media", request_method=("GET", "HEAD"))
