"""The admin console for merchandisers, at ``/admin``.

Every route shares a root whose ACL denies by default: merchandisers and
administrators use the console, administrators alone see the staff list;
anonymous people are sent to the login form and anyone else gets a 403.
"""

from pyramid.config import Configurator

from emporium.settings import Integer, Setting, Text, declare

SETTINGS = declare(
    Setting(
        "emporium.admin.import_dir",
        Text(),
        None,
        "where the console keeps uploaded CSV files and their import's progress",
        shown="`<tmp>/emporium-imports`",
    ),
    Setting(
        "emporium.admin.max_upload_bytes",
        Integer(1),
        "10485760",
        "the largest CSV file `/admin/import` accepts (every other path keeps"
        " `emporium.max_body_bytes`)",
    ),
)


def includeme(config: Configurator) -> None:
    from emporium_admin.traffic import count_requests
    from emporium_admin.uploads import allow_uploads

    config.include("emporium_admin.routes")
    # Other plugins' screens: add_admin_route, add_admin_view.
    config.include("emporium_admin.extending")
    allow_uploads(config)
    # CSV import and export: the console's jobs and `emporium import`.
    config.include("emporium_admin.imports")
    count_requests(config)
    config.add_static_view("static/admin", "emporium_admin:static", cache_max_age=3600)
