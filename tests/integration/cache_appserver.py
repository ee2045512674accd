"""An app server for the cache integration tests: the real application, plus
one write endpoint standing in for the admin console, served by waitress on
loopback.

``python -m tests.integration.cache_appserver PORT`` with the settings as
JSON in ``EMPORIUM_TEST_SETTINGS``.
"""

from __future__ import annotations

import json
import os
import sys

import waitress

from emporium.config import configure
from emporium_catalog.models import Product


def set_price(request):
    """Change a product's price through the request's session and
    transaction, exactly as an admin form would."""
    product = request.dbsession.get(Product, int(request.matchdict["id"]))
    product.price_minor = int(request.POST["price_minor"])
    return {"id": product.id, "price_minor": product.price_minor}


def make_app(settings: dict):
    config = configure(settings)
    config.add_route("test_set_price", "/_test/products/{id}/price")
    config.add_view(
        set_price,
        route_name="test_set_price",
        request_method="POST",
        renderer="json",
        require_csrf=False,
        permission=None,
    )
    return config.make_wsgi_app()


def main() -> None:
    port = int(sys.argv[1])
    app = make_app(json.loads(os.environ["EMPORIUM_TEST_SETTINGS"]))
    waitress.serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)


if __name__ == "__main__":
    main()
