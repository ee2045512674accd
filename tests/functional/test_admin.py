"""The admin console through WebTest: who may see it, CSRF, and what a
merchandiser does in each screen."""

from __future__ import annotations

import itertools
import re
import time

import pytest
from pyramid.interfaces import IRoutesMapper
from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium.accounts.services import create_user
from emporium.audit import AuditEntry
from emporium.interfaces import IPasswordHasher, IPurger
from emporium.purge.varnish import NO_PROXY
from emporium_catalog.models import Category, Product

PASSWORD = "correct horse battery"
_emails = itertools.count(1)

# Sample values for route placeholders, so that every admin route is asked.
SAMPLES = {"id": "1", "number": "X1", "job": "0" * 24}


# Our products count down from here: products the console creates get the
# next id after the highest, which must not be one a test inserts later.
_product_ids = itertools.count(4_999_999, -1)


@pytest.fixture
def make_product(engine):
    def make(stock=10, price_minor=1999, section="store", name=None) -> int:
        product_id = next(_product_ids)
        with Session(engine) as session, session.begin():
            category_id = session.scalar(
                select(Category.id).where(Category.section == section).limit(1)
            )
            session.add(
                Product(
                    id=product_id,
                    sku=f"ADM-{product_id}",
                    section=section,
                    name=name or f"Admin test product {product_id}",
                    price_minor=price_minor,
                    currency="USD",
                    stock=stock,
                    best_seller_rank=1,
                    category_id=category_id,
                )
            )
        return product_id

    return make


@pytest.fixture
def make_user(app_config, engine):
    def make(roles: str) -> str:
        email = f"{roles.split()[0]}{next(_emails)}-{time.time_ns()}@example.com"
        hasher = app_config.registry.getUtility(IPasswordHasher)
        with Session(engine) as session, session.begin():
            create_user(session, hasher, email, PASSWORD, roles=roles)
        return email

    return make


def log_in(client, email: str, path: str = "/admin/login"):
    form = client.get(path).forms[0]
    form["email"] = email
    form["password"] = PASSWORD
    return form.submit()


@pytest.fixture
def merchandiser(new_client, make_user):
    client = new_client()
    response = log_in(client, make_user("merchandiser"))
    assert response.status_int == 303
    return client


def admin_paths(registry) -> list[tuple[str, str]]:
    """Every route under /admin, as (name, a concrete path)."""
    mapper = registry.getUtility(IRoutesMapper)
    paths = []
    for route in mapper.get_routes():
        if not route.pattern.startswith("/admin"):
            continue
        paths.append((route.name, fill(route.pattern)))
    return paths


def fill(pattern: str) -> str:
    """A route pattern with a sample value for each placeholder (whose regex
    may hold braces of its own)."""
    out, index = [], 0
    while index < len(pattern):
        if pattern[index] != "{":
            out.append(pattern[index])
            index += 1
            continue
        depth, end = 0, index
        for end in range(index, len(pattern)):
            depth += {"{": 1, "}": -1}.get(pattern[end], 0)
            if depth == 0:
                break
        name = re.match(r"\{(\w+)", pattern[index:]).group(1)
        out.append(SAMPLES.get(name, "1"))
        index = end + 1
    return "".join(out)


# Pages anyone may see: the login form itself.
PUBLIC = {"admin.login", "admin.logout"}


def test_every_admin_route_is_covered(app_config):
    names = {name for name, _ in admin_paths(app_config.registry)}
    assert {"admin.dashboard", "admin.products", "admin.purge"} <= names
    assert len(names) > 10


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_gets_nothing_from_any_admin_url(testapp, app_config, method):
    for name, path in admin_paths(app_config.registry):
        if name in PUBLIC:
            continue
        if method == "GET":
            response = testapp.get(path, status="*")
            # A page sends to the login form; a POST-only route has no page.
            assert response.status_int in (303, 404), (name, path, response.status)
            if response.status_int == 303:
                assert response.location.split("?")[0].endswith("/admin/login")
        else:
            response = testapp.post(path, {"x": "1"}, status="*")
            assert response.status_int in (403, 404, 405), (name, response.status)
        assert "csv" not in response.content_type, name


def test_customer_gets_403_from_every_admin_url(new_client, make_user, app_config):
    client = new_client()
    form = next(
        f
        for f in client.get("/account/login").forms.values()
        if f.action == "/account/login"
    )
    form["email"] = make_user("customer")
    form["password"] = PASSWORD
    assert form.submit().status_int == 303
    token = client.get("/admin/login").forms[0]["csrf_token"].value
    for name, path in admin_paths(app_config.registry):
        if name in PUBLIC:
            continue
        response = client.get(path, status="*")
        assert response.status_int in (403, 404), (name, path, response.status)
        posted = client.post(path, {"csrf_token": token}, status="*")
        assert posted.status_int in (403, 404, 405), (name, posted.status)


def test_customer_cannot_log_in_to_the_console(new_client, make_user):
    client = new_client()
    form = client.get("/admin/login").forms[0]
    form["email"] = make_user("customer")
    form["password"] = PASSWORD
    response = form.submit(status=400)
    assert "may not use the admin console" in response.text
    assert client.get("/admin/", status="*").status_int == 303


def test_wrong_password_is_reported_next_to_the_field(new_client, make_user):
    client = new_client()
    form = client.get("/admin/login").forms[0]
    form["email"] = make_user("merchandiser")
    form["password"] = "not the password"
    response = form.submit(status=400)
    assert response.html.select_one('[data-field="password"]') is not None


def test_anonymous_is_sent_back_where_they_were_going(new_client, make_user):
    client = new_client()
    response = client.get("/admin/orders?status=paid")
    assert "next=" in response.location
    form = response.follow().forms[0]
    form["email"] = make_user("merchandiser")
    form["password"] = PASSWORD
    assert form.submit().location.endswith("/admin/orders?status=paid")


def test_navigation_shows_what_the_role_may_use(merchandiser, new_client, make_user):
    nav = merchandiser.get("/admin/").html.select(".admin-nav a")
    labels = [a.text for a in nav]
    assert "Catalog" in labels and "Purge" in labels
    assert "Staff" not in labels
    assert merchandiser.get("/admin/staff", status=403)
    administrator = new_client()
    log_in(administrator, make_user("administrator"))
    labels = [a.text for a in administrator.get("/admin/").html.select(".admin-nav a")]
    assert "Staff" in labels
    assert "@example.com" in administrator.get("/admin/staff").text


def test_administrators_create_staff_and_merchandisers_cannot(
    merchandiser, new_client, make_user, engine
):
    administrator = new_client()
    log_in(administrator, make_user("administrator"))
    page = administrator.get("/admin/staff")
    form = next(f for f in page.forms.values() if f.action == "/admin/staff")
    form["email"] = "new.merch@example.com"
    form["password"] = "short"
    refused = form.submit(status=400)
    assert refused.html.select_one('[data-field="password"]') is not None
    form = next(f for f in refused.forms.values() if f.action == "/admin/staff")
    form["password"] = PASSWORD
    assert "Created the merchandiser account" in form.submit().follow().text
    fresh = new_client()
    assert log_in(fresh, "new.merch@example.com").status_int == 303
    token = merchandiser.get("/admin/").html.select_one("[name=csrf_token]")["value"]
    denied = merchandiser.post(
        "/admin/staff",
        {
            "csrf_token": token,
            "email": "sneaky@example.com",
            "password": PASSWORD,
            "role": "administrator",
        },
        status="*",
    )
    assert denied.status_int == 403
    from emporium.security.models import User

    with Session(engine) as session:
        assert (
            session.scalar(select(User).where(User.email == "sneaky@example.com"))
            is None
        )


def test_forms_without_the_csrf_token_are_refused(merchandiser, make_product, engine):
    product_id = make_product(price_minor=1000)
    for path, data in (
        (f"/admin/products/{product_id}/quick", {"price": "1.00", "stock": "1"}),
        (f"/admin/products/{product_id}", {"name": "x"}),
        ("/admin/purge", {"mode": "url", "target": "/"}),
        ("/admin/categories", {"name": "New", "section": "store"}),
        ("/admin/logout", {}),
    ):
        for token in (None, "forged-token"):
            body = dict(data, **({"csrf_token": token} if token else {}))
            response = merchandiser.post(path, body, status="*")
            assert response.status_int == 403, (path, token)
    with Session(engine) as session:
        assert session.get(Product, product_id).price_minor == 1000
    # Still logged in: the refused logout changed nothing.
    assert merchandiser.get("/admin/").status_int == 200


def test_login_form_needs_its_token(new_client, make_user):
    client = new_client()
    client.get("/admin/login")
    response = client.post(
        "/admin/login",
        {"email": make_user("merchandiser"), "password": PASSWORD},
        status="*",
    )
    assert response.status_int == 403


# -- catalog ---------------------------------------------------------------------


def test_catalog_list_filters_and_pages(merchandiser):
    page = merchandiser.get("/admin/products")
    rows = page.html.select("table.products tbody tr")
    assert len(rows) == 50
    ids = [int(r["id"].split("-")[1]) for r in rows]
    assert ids == sorted(ids, reverse=True)
    following = merchandiser.get(page.html.select_one("a[rel=next]")["href"])
    more = [int(r["id"].split("-")[1]) for r in following.html.select("tbody tr")]
    assert more and max(more) < min(ids)
    back = merchandiser.get(following.html.select_one("a[rel=prev]")["href"])
    assert [int(r["id"].split("-")[1]) for r in back.html.select("tbody tr")] == ids
    books = merchandiser.get("/admin/products?section=books")
    assert {td.text for td in books.html.select("tbody tr td:nth-of-type(4)")} == {
        "books"
    }
    sku = rows[3].select("td")[1].text
    found = merchandiser.get("/admin/products", {"q": sku})
    assert [r.select("td")[1].text for r in found.html.select("tbody tr")] == [sku]
    assert merchandiser.get("/admin/products?section=nope", status=400)
    assert merchandiser.get("/admin/products?after=x", status=400)


def test_price_and_stock_in_place(merchandiser, make_product, engine):
    product_id = make_product(price_minor=1999, stock=3, name="In-place kite")
    # By SKU: inserted outside the app, the product is in no search index.
    sku = f"ADM-{product_id}"
    page = merchandiser.get("/admin/products", {"q": sku})
    form = page.forms[f"product-{product_id}"] if False else None
    form = next(
        f
        for f in page.forms.values()
        if f.action.startswith(f"/admin/products/{product_id}/")
    )
    form["price"] = "12.50"
    form["stock"] = "40"
    saved = form.submit()
    # Back to the same page of the list, filters kept.
    assert saved.location.endswith(f"/admin/products?q={sku}")
    response = saved.follow()
    assert "Saved ADM-" in response.text
    with Session(engine) as session:
        product = session.get(Product, product_id)
        assert (product.price_minor, product.stock) == (1250, 40)
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.target == f"product:{product_id}")
        ).all()
    actions = [e.action for e in entries]
    assert "product.update" in actions and "purge.key" in actions
    # One purge for the save, in the merchandiser's name.
    purges = [e for e in entries if e.action == "purge.key"]
    assert len(purges) == 1 and purges[0].actor.startswith("user:"), purges
    # A bad price is shown next to the field, and nothing changes.
    page = merchandiser.get("/admin/products", {"q": sku})
    form = next(
        f
        for f in page.forms.values()
        if f.action.startswith(f"/admin/products/{product_id}/")
    )
    form["price"] = "twelve"
    response = form.submit(status=400)
    assert response.html.select_one('[data-field="price"]') is not None
    with Session(engine) as session:
        assert session.get(Product, product_id).price_minor == 1250


def test_edit_product_with_its_sections_fields(
    merchandiser, engine, testapp, make_product
):
    from emporium_videogames.models import VideoGameDetails

    # A game of our own, so that no other test sees it renamed and on sale.
    product_id = make_product(section="videogames")
    with Session(engine) as session, session.begin():
        session.add(
            VideoGameDetails(
                product_id=product_id,
                platform="Switch",
                content_rating="E",
                genre="Puzzle",
            )
        )
    page = merchandiser.get(f"/admin/products/{product_id}")
    form = page.forms[1] if len(page.forms) > 1 else page.forms[0]
    form = next(
        f for f in page.forms.values() if f.action == f"/admin/products/{product_id}"
    )
    assert "detail.platform" in form.fields and "detail.genre" in form.fields
    form["detail.platform"] = "PC"
    form["name"] = "Renamed game"
    form["price"] = "30.00"
    form["sale_price"] = "9.99"
    form["sale_starts_at"] = "2020-01-01T00:00"
    form["sale_ends_at"] = "2099-01-01T00:00"
    response = form.submit().follow()
    assert "Saved" in response.text
    with Session(engine) as session:
        product = session.get(Product, product_id)
        assert product.name == "Renamed game"
        assert product.sale_price_minor == 999
        assert session.get(VideoGameDetails, product_id).platform == "PC"
    # The storefront shows the sale price while the sale runs.
    assert "$9.99" in testapp.get(f"/products/{product_id}").text


def test_a_section_field_the_table_requires_is_named_when_missing(
    merchandiser, engine, make_product
):
    """A game with no details row yet: saving only its platform would insert a
    row without the genre the table requires; the form names the field."""
    from emporium_videogames.models import VideoGameDetails

    product_id = make_product(section="videogames")
    form = next(
        f
        for f in merchandiser.get(f"/admin/products/{product_id}").forms.values()
        if f.action == f"/admin/products/{product_id}"
    )
    form["detail.platform"] = "PC"
    form["detail.genre"] = ""
    form["name"] = "Half a game"
    try:
        response = form.submit(status=400)
        fields = {p["data-field"] for p in response.html.select(".field-error")}
        assert "detail.genre" in fields, fields
        with Session(engine) as session:
            assert session.get(VideoGameDetails, product_id) is None
            assert session.get(Product, product_id).name != "Half a game"
    finally:
        # A game without its fields is no catalog an export can carry.
        with Session(engine) as session, session.begin():
            session.delete(session.get(Product, product_id))


def test_future_sale_keeps_the_regular_price(merchandiser, make_product, testapp):
    product_id = make_product(price_minor=5000)
    form = next(
        f
        for f in merchandiser.get(f"/admin/products/{product_id}").forms.values()
        if f.action == f"/admin/products/{product_id}"
    )
    form["sale_price"] = "10.00"
    form["sale_starts_at"] = "2098-01-01T00:00"
    form.submit().follow()
    text = testapp.get(f"/products/{product_id}").text
    assert "$50.00" in text and "$10.00" not in text


def test_product_form_errors_are_next_to_their_fields(merchandiser, make_product):
    product_id = make_product()
    form = next(
        f
        for f in merchandiser.get(f"/admin/products/{product_id}").forms.values()
        if f.action == f"/admin/products/{product_id}"
    )
    form["name"] = ""
    form["price"] = "-3"
    form["sale_price"] = "1.00"
    form["sale_starts_at"] = "2026-12-02T00:00"
    form["sale_ends_at"] = "2026-12-01T00:00"
    response = form.submit(status=400)
    fields = {p["data-field"] for p in response.html.select(".field-error")}
    assert {"name", "price", "sale_ends_at"} <= fields


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "//evil.example/x.svg", "/\\evil.example/x.svg"]
)
def test_the_form_refuses_an_image_from_another_host(merchandiser, make_product, url):
    product_id = make_product()
    form = next(
        f
        for f in merchandiser.get(f"/admin/products/{product_id}").forms.values()
        if f.action == f"/admin/products/{product_id}"
    )
    form["image_url"] = url
    response = form.submit(status=400)
    fields = {p["data-field"] for p in response.html.select(".field-error")}
    assert fields == {"image_url"}


def test_create_a_book(merchandiser, engine):
    chooser = merchandiser.get("/admin/products/new")
    assert chooser.html.select_one('a[href="/admin/products/new?section=books"]')
    page = merchandiser.get("/admin/products/new?section=books")
    form = next(f for f in page.forms.values() if f.action == "/admin/products/new")
    # Declared fields and the columns a book needs, from the section itself.
    for name in ("detail.author", "detail.isbn", "detail.format", "detail.age_min"):
        assert name in form.fields, name
    form["sku"] = "BOO-NEW-1"
    form["name"] = "A brand new book"
    form["price"] = "7.50"
    form["stock"] = "5"
    form["detail.author"] = "Ann Author"
    form["detail.isbn"] = "9780000000001"
    form["detail.format"] = "paperback"
    form["detail.age_min"] = "4"
    form["detail.age_max"] = "8"
    response = form.submit()
    assert response.status_int == 303, response.text[:2000]
    with Session(engine) as session:
        product = session.scalar(select(Product).where(Product.sku == "BOO-NEW-1"))
        assert product.section == "books"
        from emporium_bookstore.models import BookDetails

        assert session.get(BookDetails, product.id).author == "Ann Author"
    # The same SKU again is an error on the SKU field.
    form["detail.isbn"] = "9780000000002"
    again = form.submit(status=400)
    assert again.html.select_one('[data-field="sku"]') is not None


def test_categories(merchandiser, engine):
    page = merchandiser.get("/admin/categories")
    form = next(f for f in page.forms.values() if f.action == "/admin/categories")
    form["name"] = "Kites and Wind"
    form["section"] = "store"
    assert form.submit().status_int == 303
    with Session(engine) as session:
        category = session.scalar(
            select(Category).where(Category.slug == "kites-and-wind")
        )
        assert category is not None
    edit = merchandiser.get(f"/admin/categories?edit={category.id}")
    form = next(
        f for f in edit.forms.values() if f.action == f"/admin/categories/{category.id}"
    )
    form["slug"] = "Bad Slug!"
    response = form.submit(status=400)
    assert response.html.select_one('[data-field="slug"]') is not None


# -- import and export -----------------------------------------------------------


def _wait_for_job(client, url: str):
    for _ in range(600):
        page = client.get(url)
        if "Importing" not in page.text:
            return page
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_import_reports_every_bad_row_and_imports_nothing(merchandiser, engine):
    csv = (
        "sku,section,name,price,stock,category\n"
        "IMP-1,store,Good kite,12.00,4,\n"
        "IMP-2,store,,5.00,1,\n"
        "IMP-3,nowhere,Odd,5.00,1,\n"
        "IMP-4,store,Cheap,-1,x,\n"
        "IMP-5,videogames,Game,20.00,1,\n"
    )
    page = merchandiser.get("/admin/import")
    form = page.forms[1] if len(page.forms) > 1 else page.forms[0]
    form = next(f for f in page.forms.values() if f.action == "/admin/import")
    form["file"] = ("products.csv", csv.encode())
    report = form.submit().follow()
    errors = {
        (tr["data-line"], tr["data-field"])
        for tr in report.html.select(".import-error")
    }
    assert errors == {
        ("3", "name"),
        ("4", "section"),
        ("5", "price"),
        ("5", "stock"),
        ("6", "platform"),
        ("6", "content_rating"),
    }
    with Session(engine) as session:
        assert session.scalar(select(Product).where(Product.sku == "IMP-1")) is None
    # On request, the good rows alone.
    form = next(
        f for f in report.forms.values() if f.action.startswith("/admin/import/")
    )
    done = _wait_for_job(merchandiser, form.submit().location)
    assert "1 created" in done.text
    with Session(engine) as session:
        assert session.scalar(select(Product).where(Product.sku == "IMP-1")).stock == 4
        assert session.scalar(select(Product).where(Product.sku == "IMP-2")) is None


def test_clean_import_runs_at_once_and_updates_by_sku(
    merchandiser, make_product, engine
):
    product_id = make_product(price_minor=100)
    with Session(engine) as session:
        sku = session.get(Product, product_id).sku
    csv = f"sku,section,name,price\n{sku},store,Updated by import,3.25\n"
    form = next(
        f
        for f in merchandiser.get("/admin/import").forms.values()
        if f.action == "/admin/import"
    )
    form["file"] = ("update.csv", csv.encode())
    done = _wait_for_job(merchandiser, form.submit().location)
    assert "1 updated" in done.text
    with Session(engine) as session:
        product = session.get(Product, product_id)
        assert (product.name, product.price_minor) == ("Updated by import", 325)


def test_a_catalog_file_may_be_bigger_than_other_bodies(merchandiser, engine):
    rows = "".join(
        f"BIG-{n},store,A big file's kite number {n:06d},{n % 90 + 1}.00,{n % 7}\n"
        for n in range(2500)
    )
    data = ("sku,section,name,price,stock\n" + rows).encode()
    assert len(data) > 100_000
    form = next(
        f
        for f in merchandiser.get("/admin/import").forms.values()
        if f.action == "/admin/import"
    )
    form["file"] = ("big.csv", data)
    done = _wait_for_job(merchandiser, form.submit().location)
    assert "2500 created" in done.text
    # Elsewhere the core's limit still holds.
    refused = merchandiser.post(
        "/admin/categories", {"name": "x" * 100_000}, status="*"
    )
    assert refused.status_int == 413


def test_import_header_problems(merchandiser):
    form = next(
        f
        for f in merchandiser.get("/admin/import").forms.values()
        if f.action == "/admin/import"
    )
    form["file"] = ("bad.csv", b"sku,colour\nA,red\n")
    report = form.submit().follow()
    fields = {tr["data-field"] for tr in report.html.select(".import-error")}
    assert {"section", "name", "price", "colour"} <= fields


def test_export_is_a_csv_of_the_catalog(merchandiser):
    response = merchandiser.get("/admin/products/export.csv")
    assert response.content_type == "text/csv"
    lines = response.text.splitlines()
    assert lines[0].startswith("sku,section,category,name")
    assert "author" in lines[0] and "platform" in lines[0]
    assert len(lines) > 200


# -- orders ------------------------------------------------------------------------


def test_orders_list_and_detail(merchandiser, new_client, make_product):
    product_id = make_product(stock=5)
    shopper = new_client()
    cart = shopper.get("/api/v1/cart").json
    shopper.post_json(
        "/api/v1/cart/items",
        {"product_id": product_id, "quantity": 1},
        headers={"X-CSRF-Token": cart["csrf_token"]},
    )
    order = shopper.post_json(
        "/api/v1/checkout",
        {
            "email": "buyer@example.com",
            "name": "Bea Buyer",
            "address": {
                "line1": "1 Main St",
                "city": "Springfield",
                "postal_code": "12345",
                "country": "US",
            },
            "payment": {
                "card_number": "4242424242424242",
                "expiry": "12/30",
                "cvc": "123",
            },
        },
        headers={"X-CSRF-Token": cart["csrf_token"]},
    ).json
    listing = merchandiser.get("/admin/orders", {"status": "paid"})
    assert order["number"] in listing.text
    detail = merchandiser.get(f"/admin/orders/{order['number']}")
    assert "Bea Buyer" in detail.text and "1 Main St" in detail.text
    assert (
        order["number"]
        not in merchandiser.get("/admin/orders", {"to": "2000-01-01"}).text
    )
    assert merchandiser.get("/admin/orders?from=yesterday", status=400)
    assert merchandiser.get("/admin/orders/NOPE", status=404)


# -- purge and audit ------------------------------------------------------------------


def test_default_purger_records_and_is_replaceable(app_config):
    purger = app_config.registry.getUtility(IPurger)
    assert purger.proxies == []
    from zope.interface.verify import verifyObject

    assert verifyObject(IPurger, purger)


def test_purge_a_url_in_two_clicks(merchandiser, engine):
    page = merchandiser.get("/admin/purge")
    form = (
        page.forms[1]
        if False
        else next(
            f
            for f in page.forms.values()
            if f.action == "/admin/purge" and f.method.upper() == "GET"
        )
    )
    form["target"] = "/books/?page=2"
    preview = form.submit()
    assert "/books/?page=2" in preview.html.select_one(".purge-preview").text
    results = next(
        f
        for f in preview.forms.values()
        if f.method.upper() == "POST" and f.action == "/admin/purge"
    ).submit()
    rows = results.html.select(".purge-results tbody tr")
    assert len(rows) == 1 and NO_PROXY in rows[0].text
    with Session(engine) as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "purge.url")
            .order_by(AuditEntry.id.desc())
        ).first()
    assert entry.target == "/books/?page=2" and entry.actor.startswith("user:")
    audit = merchandiser.get("/admin/audit", {"action": "purge"})
    assert "/books/?page=2" in audit.text


def test_purge_previews_products_categories_and_prefixes(merchandiser, make_product):
    product_id = make_product(name="Preview kite")
    preview = merchandiser.get(
        "/admin/purge", {"mode": "product", "target": product_id}
    )
    text = preview.html.select_one(".purge-preview").text
    assert f"/products/{product_id}" in text and f"product:{product_id}" in text
    preview = merchandiser.get(
        "/admin/purge", {"mode": "prefix", "target": "/categories/"}
    )
    assert "/categories/" in preview.html.select_one(".purge-preview").text
    bad = merchandiser.get(
        "/admin/purge", {"mode": "product", "target": "NO-SUCH"}, status=400
    )
    assert bad.html.select_one('[data-field="target"]') is not None
    bad = merchandiser.get(
        "/admin/purge", {"mode": "url", "target": "ftp://x/"}, status=400
    )
    assert bad.html.select_one('[data-field="target"]') is not None


def test_audit_log_filters(merchandiser):
    assert merchandiser.get("/admin/audit", {"action": "product"}).status_int == 200
    assert merchandiser.get("/admin/audit", {"action": "rm -rf"}, status=400)
    assert merchandiser.get("/admin/audit", {"date": "2026-13-01"}, status=400)


def test_traffic_dashboard_draws_svg(merchandiser, testapp):
    testapp.get("/")
    page = merchandiser.get("/admin/traffic")
    charts = page.html.select("svg.chart")
    assert len(charts) == 4
    cache_control = page.headers["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
