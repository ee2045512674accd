"""The admin console for merchandisers, at ``/admin``.

Every route shares a root whose ACL denies by default: merchandisers and
administrators use the console, administrators alone see the staff list;
anonymous people are sent to the login form and anyone else gets a 403.
"""

from pyramid.config import Configurator
from pyramid.events import NewResponse


def includeme(config: Configurator) -> None:
    from emporium_admin.commands import import_products
    from emporium_admin.imports import ImportJobs
    from emporium_admin.traffic import REGISTRY_KEY, RequestCounter, count_request
    from emporium_admin.uploads import allow_uploads

    config.include("emporium_admin.routes")
    settings = config.get_settings()
    allow_uploads(config)
    config.registry["emporium_admin.import_jobs"] = ImportJobs(
        settings.get("emporium.admin.import_dir") or None
    )
    config.add_command(import_products)
    config.registry[REGISTRY_KEY] = RequestCounter()
    config.add_subscriber(count_request, NewResponse)
    config.add_static_view("static/admin", "emporium_admin:static", cache_max_age=3600)
