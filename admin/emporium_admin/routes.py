"""The console's routes, and the views that answer each."""

from pyramid.config import Configurator

from emporium_admin.resources import LOGIN, MANAGE_STAFF, USE, AdminRoot

ROUTES = (
    ("admin.login", "/admin/login"),
    ("admin.logout", "/admin/logout"),
    ("admin.root", "/admin"),
    ("admin.dashboard", "/admin/"),
    ("admin.products", "/admin/products"),
    ("admin.products.export", "/admin/products/export.csv"),
    ("admin.product.new", "/admin/products/new"),
    ("admin.product", r"/admin/products/{id:\d{1,18}}"),
    ("admin.product.quick", r"/admin/products/{id:\d{1,18}}/quick"),
    ("admin.product.images", r"/admin/products/{id:\d{1,18}}/images"),
    ("admin.product.images.upload", "/admin/product-images"),
    ("admin.categories", "/admin/categories"),
    ("admin.category", r"/admin/categories/{id:\d{1,18}}"),
    ("admin.import", "/admin/import"),
    ("admin.import.job", r"/admin/import/{job:[0-9a-f]{24}}"),
    ("admin.orders", "/admin/orders"),
    ("admin.order", "/admin/orders/{number}"),
    ("admin.purge", "/admin/purge"),
    ("admin.audit", "/admin/audit"),
    ("admin.traffic", "/admin/traffic"),
    ("admin.staff", "/admin/staff"),
)


STAFF = {"permission": MANAGE_STAFF}
# (view in ``emporium_admin.views``, route, method, renderer, options): every console
# view uses the session and needs USE unless its options say otherwise.
VIEWS = (
    ("auth.login_form", "admin.login", "GET", "admin_login.pt", {"permission": LOGIN}),
    ("auth.login", "admin.login", "POST", "admin_login.pt",
     {"permission": LOGIN, "throttle": "login"}),
    ("auth.to_dashboard", "admin.root", "GET", None, {}),
    ("auth.logout", "admin.logout", "POST", None, {"permission": LOGIN}),
    ("dashboard.dashboard", "admin.dashboard", "GET", "admin_dashboard.pt", {}),
    ("catalog.product_list", "admin.products", "GET", "admin_products.pt", {}),
    ("catalog.export_csv", "admin.products.export", "GET", None, {}),
    ("catalog.new_product_form", "admin.product.new", "GET", "admin_product.pt", {}),
    ("catalog.save_product", "admin.product.new", "POST", "admin_product.pt", {}),
    ("catalog.edit_product_form", "admin.product", "GET", "admin_product.pt", {}),
    ("catalog.save_product", "admin.product", "POST", "admin_product.pt", {}),
    ("catalog.quick_edit", "admin.product.quick", "POST", "admin_products.pt", {}),
    ("images.upload_image", "admin.product.images.upload", "POST", "admin_product.pt",
     {}),
    ("images.update_images", "admin.product.images", "POST", "admin_product.pt", {}),
    ("catalog.category_list", "admin.categories", "GET", "admin_categories.pt", {}),
    ("catalog.save_category", "admin.categories", "POST", "admin_categories.pt", {}),
    ("catalog.save_category", "admin.category", "POST", "admin_categories.pt", {}),
    ("imports.import_form", "admin.import", "GET", "admin_import.pt", {}),
    ("imports.upload", "admin.import", "POST", "admin_import.pt", {}),
    ("imports.job_page", "admin.import.job", "GET", "admin_import_job.pt", {}),
    ("imports.import_good_rows", "admin.import.job", "POST", None, {}),
    ("orders.order_list", "admin.orders", "GET", "admin_orders.pt", {}),
    ("orders.order_detail", "admin.order", "GET", "admin_order.pt", {}),
    ("purge.purge_form", "admin.purge", "GET", "admin_purge.pt", {}),
    ("purge.purge", "admin.purge", "POST", "admin_purge.pt", {}),
    ("purge.audit_log", "admin.audit", "GET", "admin_audit.pt", {}),
    ("dashboard.traffic", "admin.traffic", "GET", "admin_traffic.pt", {}),
    ("staff.staff_list", "admin.staff", "GET", "admin_staff.pt", STAFF),
    ("staff.create_staff", "admin.staff", "POST", "admin_staff.pt", STAFF),
)  # fmt: skip


def includeme(config: Configurator) -> None:
    # Every route shares the root whose ACL denies by default.
    for name, pattern in ROUTES:
        config.add_route(name, pattern, factory=AdminRoot)
    for view, route, method, renderer, options in VIEWS:
        config.add_view(
            f"emporium_admin.views.{view}",
            route_name=route,
            request_method=method,
            renderer=renderer,
            uses_session=True,
            **{"permission": USE, **options},
        )
    # Anonymous people go to the login form; others get the 403 page.
    config.add_forbidden_view(
        "emporium_admin.views.auth.forbidden",
        path_info=r"^/admin(/|$)",
        uses_session=True,
    )
