"""Every page type a shopper or a merchandiser meets, each as a function
that brings a fresh page to that state: the accessibility checks visit them
all, on every theme."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium_admin.imports.jobs import ImportJobs
from emporium_catalog.models import Category, Product

CARD = {
    "email": "shopper@example.com",
    "name": "Sam Shopper",
    "address.line1": "12 Toy Street",
    "address.city": "Springfield",
    "address.postal_code": "12345",
    "payment.card_number": "4242424242424242",
    "payment.expiry": "12/30",
    "payment.cvc": "123",
}
# A CSV with one good row and one bad: the import report with its errors.
IMPORT_CSV = (
    "sku,section,name,price,stock\n"
    "A11Y-1,store,Tactile kite,9.99,5\n"
    "A11Y-2,store,Bad price kite,nine,5\n"
)


@dataclass(frozen=True)
class Catalog:
    """What the states need from the seeded store."""

    products: dict[str, int]  # section name -> a product in stock
    category: str  # a category's slug
    import_dir: str  # where the app server keeps its import jobs
    content_id: int = 0  # a published content page (/pages/a11y-gifts)


def catalog_of(registry) -> Catalog:
    with Session(registry["db.engine"]) as dbsession:
        products = {}
        for section in ("store", "books", "videogames"):
            products[section] = dbsession.scalar(
                select(Product.id)
                .where(Product.section == section, Product.stock > 5)
                .order_by(Product.id)
            )
        category = dbsession.scalar(
            select(Category.slug).where(Category.section == "store").limit(1)
        )
    content_id = _content(registry, products["store"])
    return Catalog(
        products, category, registry.settings["emporium.admin.import_dir"], content_id
    )


def _content(registry, product_id: int) -> int:
    """A live content page and three live slots on the home page."""
    from emporium_content.models import ContentItem

    common = {
        "state": "published",
        "page": "home",
        "body": "Chosen *by hand*: [all our books](/books/).",
    }
    with Session(registry["db.engine"]) as dbsession, dbsession.begin():
        found = dbsession.scalar(
            select(ContentItem.id).where(ContentItem.slug == "a11y-gifts")
        )
        if found is not None:
            return found
        photo = dbsession.scalar(
            select(Product.image_url).where(Product.id == product_id)
        )
        page = ContentItem(
            kind="page",
            slug="a11y-gifts",
            title="Gift ideas",
            body="## For eight-year-olds\n\n[Books](/books/) and *kites*.",
            state="published",
            seo_description="Gift ideas",
        )
        dbsession.add_all(
            [
                page,
                ContentItem(
                    kind="banner", slug="a11y-hero", title="Winter sale",
                    link_url="/books/", slot="hero", image_url=photo,
                    image_alt="Kites and tops on a snowy table", **common,
                ),
                ContentItem(
                    kind="text", slug="a11y-text", title="Our picks",
                    slot="editorial", **common,
                ),
                ContentItem(
                    kind="picks", slug="a11y-picks", title="Staff picks",
                    product_ids=[product_id], slot="featured", **common,
                ),
            ]
        )  # fmt: skip
        dbsession.flush()
        return page.id


def add_to_cart(page, base: str, product_id: int) -> None:
    page.goto(f"{base}/products/{product_id}")
    page.click("form.buy-form button[type=submit]")
    page.wait_for_load_state()
    if page.locator("text=Add to your cart?").count():
        page.click("main form button[type=submit]")
        page.wait_for_load_state()


def fill_checkout(page) -> None:
    for name, value in CARD.items():
        page.fill(f"[name='{name}']", value)


def place_order(page, base: str, product_id: int) -> None:
    add_to_cart(page, base, product_id)
    page.goto(base + "/checkout")
    fill_checkout(page)
    page.click("form.checkout-form button[type=submit]")
    page.wait_for_selector(".order-number")


def _search_with_facet(page, base: str) -> None:
    page.goto(base + "/search?q=the&section=books")
    page.locator(".search-facets section.facet:not(.facet-section) a").first.click()
    page.wait_for_load_state()


def _confirm_add(page, base: str, catalog: Catalog) -> None:
    """A stale form token (a page kept too long): the store asks again."""
    page.goto(f"{base}/products/{catalog.products['store']}")
    page.evaluate(
        "document.querySelector('form.buy-form [name=csrf_token]')"
        ".setAttribute('name', 'stale')"
    )
    page.click("form.buy-form button[type=submit]")
    page.wait_for_selector("text=Add to your cart?")


def _account_orders(page, base: str, catalog: Catalog) -> None:
    page.goto(base + "/account/register")
    page.fill("[name=name]", "Ann Account")
    page.fill("[name=email]", f"ann-{secrets.token_hex(4)}@example.com")
    page.fill("[name=password]", "a long enough password")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/account/orders")


def _checkout_with_errors(page, base: str, catalog: Catalog) -> None:
    add_to_cart(page, base, catalog.products["store"])
    page.goto(base + "/checkout")
    page.click("form.checkout-form button[type=submit]")
    page.wait_for_load_state()


def _cart(page, base: str, catalog: Catalog) -> None:
    add_to_cart(page, base, catalog.products["books"])
    page.goto(base + "/cart")


def _checkout(page, base: str, catalog: Catalog) -> None:
    add_to_cart(page, base, catalog.products["videogames"])
    page.goto(base + "/checkout")


StateFn = Callable[..., None]


def _go(path: str) -> StateFn:
    return lambda page, base, catalog: page.goto(base + path)


STOREFRONT: dict[str, StateFn] = {
    "home": _go("/"),
    "books-front": _go("/books/"),
    "videogames-front": _go("/videogames/"),
    "category": lambda page, base, c: page.goto(f"{base}/categories/{c.category}"),
    "product-store": lambda page, base, c: page.goto(
        f"{base}/products/{c.products['store']}"
    ),
    "product-books": lambda page, base, c: page.goto(
        f"{base}/products/{c.products['books']}"
    ),
    "product-videogames": lambda page, base, c: page.goto(
        f"{base}/products/{c.products['videogames']}"
    ),
    "search-with-facets": lambda page, base, c: _search_with_facet(page, base),
    "confirm-add": _confirm_add,
    "cart": _cart,
    "checkout": _checkout,
    "checkout-with-errors": _checkout_with_errors,
    "order-confirmation": lambda page, base, c: place_order(
        page, base, c.products["store"]
    ),
    "login": _go("/account/login"),
    "register": _go("/account/register"),
    "account-orders": _account_orders,
    "not-found": _go("/no-such-page"),
    "admin-login": _go("/admin/login"),
    "content-page": _go("/pages/a11y-gifts"),
}


def _import_report(page, base: str, catalog: Catalog) -> None:
    page.goto(base + "/admin/import")
    page.set_input_files(
        "#file",
        files=[
            {"name": "a11y.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV.encode()}
        ],
    )
    page.click("text=Check and import")
    page.wait_for_selector("table.import-errors")


def running_import(catalog: Catalog) -> tuple[ImportJobs, object]:
    """An import job halfway through, as the app server's worker leaves it."""
    jobs = ImportJobs(catalog.import_dir)
    job = jobs.create(IMPORT_CSV.encode(), "halfway.csv", "admin@example.com")
    job.status, job.total, job.valid, job.done = "running", 400, 400, 100
    jobs.save(job)
    return jobs, job


def _import_running(page, base: str, catalog: Catalog) -> None:
    job = running_import(catalog)[1]
    page.goto(f"{base}/admin/import/{job.id}")


def _purge_preview(page, base: str, catalog: Catalog) -> None:
    page.goto(base + "/admin/purge")
    page.fill("#target", "/books/")
    page.click("main form button[type=submit]:has-text('Preview')")
    page.wait_for_selector(".purge-preview")


def _order_detail(page, base: str, catalog: Catalog) -> None:
    shopper = page.context.browser.new_context()
    try:
        place_order(shopper.new_page(), base, catalog.products["books"])
    finally:
        shopper.close()
    page.goto(base + "/admin/orders")
    page.locator("table.orders tbody a").first.click()
    page.wait_for_selector("dl.facts")


ADMIN: dict[str, StateFn] = {
    "dashboard": _go("/admin/"),
    "products": _go("/admin/products"),
    "product-edit": lambda page, base, c: page.goto(
        f"{base}/admin/products/{c.products['store']}"
    ),
    "product-new-book": _go("/admin/products/new?section=books"),
    "categories": _go("/admin/categories"),
    "import": _go("/admin/import"),
    "import-report": _import_report,
    "import-running": _import_running,
    "orders": _go("/admin/orders"),
    "order-detail": _order_detail,
    "purge": _go("/admin/purge"),
    "purge-preview": _purge_preview,
    "audit": _go("/admin/audit"),
    "traffic": _go("/admin/traffic"),
    "staff": _go("/admin/staff"),
    "content": _go("/admin/content"),
    "content-new": _go("/admin/content/new"),
    "content-edit": lambda page, base, c: page.goto(
        f"{base}/admin/content/{c.content_id}"
    ),
    "content-versions": lambda page, base, c: page.goto(
        f"{base}/admin/content/{c.content_id}/versions"
    ),
    "content-slots": _go("/admin/content/slots?page=home"),
}
