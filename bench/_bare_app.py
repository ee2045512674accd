"""The yardstick of ``bench/page.py``: a bare Pyramid view returning fixed
bytes (``EMPORIUM_BENCH_BODY``, a file) with the product page's headers."""

import os

from pyramid.config import Configurator
from pyramid.response import Response

with open(os.environ["EMPORIUM_BENCH_BODY"], "rb") as _file:
    BODY = _file.read()


def page(request):
    return Response(body=BODY, content_type="text/html", charset="utf-8")


def make_app():
    config = Configurator()
    config.add_route("product", r"/products/{id:\d+}")
    config.add_view(page, route_name="product")
    return config.make_wsgi_app()


app = make_app()
