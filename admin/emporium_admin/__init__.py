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
    from emporium_admin.resources import LOGIN, MANAGE_STAFF, USE, AdminRoot
    from emporium_admin.traffic import REGISTRY_KEY, RequestCounter, count_request
    from emporium_admin.uploads import allow_uploads
    from emporium_admin.views import (
        auth,
        catalog,
        dashboard,
        imports,
        orders,
        purge,
        staff,
    )

    settings = config.get_settings()
    allow_uploads(config)
    config.registry["emporium_admin.import_jobs"] = ImportJobs(
        settings.get("emporium.admin.import_dir") or None
    )
    config.add_command(import_products)
    config.registry[REGISTRY_KEY] = RequestCounter()
    config.add_subscriber(count_request, NewResponse)
    config.add_static_view("static/admin", "emporium_admin:static", cache_max_age=3600)

    def route(name: str, pattern: str) -> None:
        config.add_route(name, pattern, factory=AdminRoot)

    def view(function, name, method="GET", renderer=None, permission=USE, **kw):
        config.add_view(
            function,
            route_name=name,
            request_method=method,
            renderer=renderer,
            permission=permission,
            uses_session=True,
            **kw,
        )

    route("admin.login", "/admin/login")
    route("admin.logout", "/admin/logout")
    route("admin.root", "/admin")
    route("admin.dashboard", "/admin/")
    route("admin.products", "/admin/products")
    route("admin.products.export", "/admin/products/export.csv")
    route("admin.product.new", "/admin/products/new")
    route("admin.product", r"/admin/products/{id:\d{1,18}}")
    route("admin.product.quick", r"/admin/products/{id:\d{1,18}}/quick")
    route("admin.categories", "/admin/categories")
    route("admin.category", r"/admin/categories/{id:\d{1,18}}")
    route("admin.import", "/admin/import")
    route("admin.import.job", r"/admin/import/{job:[0-9a-f]{24}}")
    route("admin.orders", "/admin/orders")
    route("admin.order", "/admin/orders/{number}")
    route("admin.purge", "/admin/purge")
    route("admin.audit", "/admin/audit")
    route("admin.traffic", "/admin/traffic")
    route("admin.staff", "/admin/staff")

    view(auth.login_form, "admin.login", renderer="admin_login.pt", permission=LOGIN)
    view(
        auth.login,
        "admin.login",
        "POST",
        renderer="admin_login.pt",
        permission=LOGIN,
        throttle="login",
    )
    view(auth.to_dashboard, "admin.root")
    view(auth.logout, "admin.logout", "POST", permission=LOGIN)
    view(dashboard.dashboard, "admin.dashboard", renderer="admin_dashboard.pt")
    view(catalog.product_list, "admin.products", renderer="admin_products.pt")
    view(catalog.export_csv, "admin.products.export")
    view(catalog.new_product_form, "admin.product.new", renderer="admin_product.pt")
    view(catalog.save_product, "admin.product.new", "POST", renderer="admin_product.pt")
    view(catalog.edit_product_form, "admin.product", renderer="admin_product.pt")
    view(catalog.save_product, "admin.product", "POST", renderer="admin_product.pt")
    view(
        catalog.quick_edit,
        "admin.product.quick",
        "POST",
        renderer="admin_products.pt",
    )
    view(catalog.category_list, "admin.categories", renderer="admin_categories.pt")
    view(
        catalog.save_category,
        "admin.categories",
        "POST",
        renderer="admin_categories.pt",
    )
    view(
        catalog.save_category,
        "admin.category",
        "POST",
        renderer="admin_categories.pt",
    )
    view(imports.import_form, "admin.import", renderer="admin_import.pt")
    view(imports.upload, "admin.import", "POST", renderer="admin_import.pt")
    view(imports.job_page, "admin.import.job", renderer="admin_import_job.pt")
    view(imports.import_good_rows, "admin.import.job", "POST")
    view(orders.order_list, "admin.orders", renderer="admin_orders.pt")
    view(orders.order_detail, "admin.order", renderer="admin_order.pt")
    view(purge.purge_form, "admin.purge", renderer="admin_purge.pt")
    view(purge.purge, "admin.purge", "POST", renderer="admin_purge.pt")
    view(purge.audit_log, "admin.audit", renderer="admin_audit.pt")
    view(dashboard.traffic, "admin.traffic", renderer="admin_traffic.pt")
    view(
        staff.staff_list,
        "admin.staff",
        renderer="admin_staff.pt",
        permission=MANAGE_STAFF,
    )
    view(
        staff.create_staff,
        "admin.staff",
        "POST",
        renderer="admin_staff.pt",
        permission=MANAGE_STAFF,
    )
    # Anonymous people go to the login form; others get the 403 page.
    config.add_forbidden_view(
        auth.forbidden, path_info=r"^/admin(/|$)", uses_session=True
    )
