"""The admin console in a real browser, against a real app server: what a
merchandiser does on a busy day. A screenshot of each main screen is left
under the test output folder (``test-output/admin/``)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium.search.indexing import rebuild
from emporium.search.services import index_directory
from emporium_catalog.models import Product
from tests.browser.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def search_index(store):
    """The catalog list finds products by words through the search index:
    build it, as `emporium reindex` does; the app server sees it at once."""
    registry = store[2]
    rebuild(registry, index_directory(registry.settings))


def log_in(page, base: str, path: str = "/admin/") -> None:
    page.goto(base + path)
    page.fill("#email", "merch@example.com")
    page.fill("#password", STAFF_PASSWORD)
    page.click("form.admin-form button[type=submit]")
    page.wait_for_selector(".admin-nav")


@pytest.fixture
def admin(context, store):
    base = store[0]
    page = context.new_page()
    log_in(page, base)
    return page


def a_product(store, section: str = "store") -> Product:
    registry = store[2]
    with Session(registry["db.engine"]) as dbsession:
        product = dbsession.scalars(
            select(Product)
            .where(Product.section == section, Product.stock > 5)
            .order_by(Product.id)
        ).first()
        dbsession.expunge(product)
        return product


def test_log_in_as_a_merchandiser(context, store, screenshots):
    base = store[0]
    page = context.new_page()
    page.goto(base + "/admin/products")
    # Anonymous: the login form, which returns to the page asked for.
    assert page.url.startswith(base + "/admin/login")
    screenshots(page, "01-login")
    page.fill("#email", "merch@example.com")
    page.fill("#password", "wrong password")
    page.click("form.admin-form button[type=submit]")
    assert "do not match" in page.inner_text('[data-field="password"]')
    page.fill("#password", STAFF_PASSWORD)
    page.click("form.admin-form button[type=submit]")
    page.wait_for_selector("table.products")
    assert page.url == base + "/admin/products"
    nav = page.locator(".admin-nav a").all_inner_texts()
    assert "Catalog" in nav and "Purge" in nav and "Staff" not in nav
    page.click(".admin-nav >> text=Dashboard")
    page.wait_for_selector(".tiles")
    screenshots(page, "02-dashboard")


def test_change_a_price_and_see_the_storefront_show_it(admin, store, screenshots):
    base = store[0]
    product = a_product(store)
    shop = admin.context.new_page()
    shop.goto(f"{base}/products/{product.id}")
    # The storefront has the product in its object cache now.
    assert "$43.21" not in shop.inner_text("main")

    admin.goto(f"{base}/admin/products?q={product.sku}")
    screenshots(admin, "03-catalog")
    row = admin.locator(f"#product-{product.id}")
    row.locator("input[name=price]").fill("43.21")
    row.locator("button[type=submit]").click()
    admin.wait_for_selector(".flash")
    assert f"Saved {product.sku}" in admin.inner_text(".flash")

    # Browsers may keep a store page for a few seconds (max-age): the next
    # shopper, and this one on reloading, get the new price at once.
    shopper = admin.context.browser.new_context()
    try:
        fresh = shopper.new_page()
        fresh.goto(f"{base}/products/{product.id}")
        assert "$43.21" in fresh.inner_text("main")
    finally:
        shopper.close()
    shop.reload()
    assert "$43.21" in shop.inner_text("main")

    admin.goto(f"{base}/admin/products/{product.id}")
    admin.wait_for_selector("form.product-form")
    screenshots(admin, "04-product-form")
    # The same form with an error shows it next to its field.
    admin.fill("#f-price", "lots")
    admin.click("form.product-form button[type=submit]")
    assert "amount" in admin.inner_text('[data-field="price"]')


def test_purge_a_url(admin, store, screenshots):
    base = store[0]
    admin.goto(base + "/admin/")
    # From the dashboard: type the URL, Preview, Purge now.
    admin.fill("#quick-target", "/books/")
    admin.click("text=Preview purge")
    admin.wait_for_selector(".purge-preview")
    assert "/books/" in admin.inner_text(".purge-preview")
    screenshots(admin, "05-purge-preview")
    admin.click("text=Purge now")
    admin.wait_for_selector(".purge-results")
    results = admin.inner_text(".purge-results")
    assert "/books/" in results and "recorded, no proxy configured" in results
    screenshots(admin, "06-purge-results")
    admin.click("text=Purges in the audit log")
    admin.wait_for_selector("table.audit")
    first = admin.locator("tr.audit-entry").first.inner_text()
    assert "purge.url" in first and "merch@example.com" in first
    screenshots(admin, "07-audit-log")


def test_import_a_csv_with_two_bad_rows(admin, store, screenshots):
    base = store[0]
    csv = (
        "sku,section,name,price,stock\n"
        "BRW-1,store,Browser kite,9.99,5\n"
        "BRW-2,store,Bad price kite,nine,5\n"
        "BRW-3,store,Another kite,4.50,2\n"
        "BRW-4,nowhere,Lost kite,4.50,2\n"
    )
    admin.goto(base + "/admin/import")
    screenshots(admin, "08-import")
    admin.set_input_files(
        "#file",
        files=[{"name": "kites.csv", "mimeType": "text/csv", "buffer": csv.encode()}],
    )
    admin.click("text=Check and import")
    admin.wait_for_selector("table.import-errors")
    errors = admin.locator("tr.import-error")
    assert errors.count() == 2
    lines = sorted(
        (
            errors.nth(i).get_attribute("data-line"),
            errors.nth(i).get_attribute("data-field"),
        )
        for i in range(2)
    )
    assert lines == [("3", "price"), ("5", "section")]
    assert "Nothing was imported" in admin.inner_text("main")
    screenshots(admin, "09-import-report")
    admin.click('button:has-text("Import the 2 good rows")')
    admin.wait_for_selector(".import-done", timeout=60_000)
    assert "2 created" in admin.inner_text(".import-done")
    # Found by a word of its name as soon as the import is done.
    admin.goto(base + "/admin/products?q=kite")
    assert "newest first" in admin.inner_text("p.found")
    names = admin.locator("table.products tbody tr").all_inner_texts()
    assert any("Browser kite" in n for n in names)
    assert not any("Bad price kite" in n for n in names)
    screenshots(admin, "09b-catalog-search")


def test_an_order_placed_in_the_store_appears_in_the_list(
    admin, context, store, screenshots
):
    base = store[0]
    product = a_product(store, "videogames")
    shopper = context.browser.new_context()
    try:
        shop = shopper.new_page()
        shop.goto(f"{base}/products/{product.id}")
        shop.click("form.buy-form button[type=submit]")
        if shop.locator("text=Add to your cart?").count():
            shop.click("main form button[type=submit]")
        shop.goto(base + "/checkout")
        shop.fill("input[name=email]", "shopper@example.com")
        shop.fill("input[name=name]", "Sam Shopper")
        shop.fill("input[name='address.line1']", "12 Toy Street")
        shop.fill("input[name='address.city']", "Springfield")
        shop.fill("input[name='address.postal_code']", "12345")
        shop.fill("input[name='payment.card_number']", "4242424242424242")
        shop.fill("input[name='payment.expiry']", "12/30")
        shop.fill("input[name='payment.cvc']", "123")
        shop.click("form.checkout-form button[type=submit]")
        shop.wait_for_selector(".order-number")
        number = shop.inner_text(".order-number").strip()
    finally:
        shopper.close()

    admin.goto(base + "/admin/orders?status=paid")
    admin.wait_for_selector("table.orders")
    assert number in admin.inner_text("table.orders")
    screenshots(admin, "10-orders")
    admin.click(f"text={number}")
    admin.wait_for_selector("dl.facts")
    assert "Sam Shopper" in admin.inner_text("main")
    assert re.search(r"12 Toy Street", admin.inner_text("main"))
    screenshots(admin, "11-order-detail")


def test_other_screens(admin, store, screenshots):
    base = store[0]
    admin.goto(base + "/admin/categories")
    admin.wait_for_selector("text=New category")
    screenshots(admin, "12-categories")
    admin.goto(base + "/admin/traffic")
    assert admin.locator("svg.chart").count() == 4
    screenshots(admin, "13-cache-and-traffic")
    admin.goto(base + "/admin/products/new?section=books")
    assert admin.locator("#d-author").count() == 1
    screenshots(admin, "14-new-book")
