"""Caching headers from the data a page used, conditional requests, and the
purges a committed change sends (DESIGN.md section 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import webtest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emporium.aftercommit import watch
from emporium.audit import AuditEntry
from emporium_catalog.models import Category, Product


def directives(response) -> dict[str, str | None]:
    found = {}
    for item in response.headers["Cache-Control"].split(","):
        name, _, value = item.strip().partition("=")
        found[name] = value or None
    return found


def keys_of(response) -> set[str]:
    return set(response.headers.get("xkey", "").split())


@pytest.fixture
def product(dbsession):
    return dbsession.scalar(
        select(Product).where(Product.section == "store").order_by(Product.id)
    )


@pytest.fixture
def writer(engine, testapp):
    """A session that writes as the admin does: through the ORM, with the
    cache invalidated and the pages purged after each commit."""
    registry = testapp.app.registry
    with Session(engine) as session:
        watch(session, registry)
        yield session


@pytest.fixture
def purges(engine):
    """The surrogate keys purged since the fixture started (the recording
    purger of the embedded default writes each to the audit log)."""
    with Session(engine) as session:
        start = session.scalar(select(func.max(AuditEntry.id))) or 0

    def purged() -> list[str]:
        with Session(engine) as session:
            return list(
                session.scalars(
                    select(AuditEntry.target)
                    .where(AuditEntry.id > start, AuditEntry.action == "purge.key")
                    .order_by(AuditEntry.id)
                )
            )

    return purged


def test_a_product_page_is_public_for_its_shortest_ttl(testapp, product):
    # Expires has whole seconds: the request was answered between these two.
    before = datetime.now(UTC).replace(microsecond=0)
    response = testapp.get(f"/products/{product.id}")
    after = datetime.now(UTC)
    control = directives(response)
    assert "public" in control
    # The inventory partition has the shortest time-to-live (30 s).
    assert control["s-maxage"] == "30"
    assert 0 <= int(control["max-age"]) <= 10
    assert "Set-Cookie" not in response.headers
    expires = datetime.strptime(
        response.headers["Expires"], "%a, %d %b %Y %H:%M:%S GMT"
    ).replace(tzinfo=UTC)
    ttl = timedelta(seconds=int(control["s-maxage"]))
    assert before + ttl <= expires <= after + ttl
    assert response.headers["Last-Modified"]
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert {f"product:{product.id}", f"category:{product.category_id}"} <= keys_of(
        response
    )


def test_the_etag_answers_if_none_match_with_304(testapp, product):
    page = f"/products/{product.id}"
    etag = testapp.get(page).headers["ETag"]
    again = testapp.get(page, headers={"If-None-Match": etag}, status=304)
    assert again.body == b""
    assert again.headers["ETag"] == etag
    assert "s-maxage" in again.headers["Cache-Control"]
    other = testapp.get(page, headers={"If-None-Match": '"other"'}, status=200)
    assert other.headers["ETag"] == etag


def test_every_app_server_gives_a_page_the_same_last_modified(
    app_settings, tmp_path, monkeypatch, product
):
    """Two app servers sharing a cache tier (the host's store here; Redis
    between hosts): the one that renders the page later gives the date the
    first saw, so If-Modified-Since works whichever answers."""
    from types import SimpleNamespace

    from emporium.config import configure
    from emporium.pagecache import headers

    shared = {
        "cache.local.backend": "emporium.sqlite",
        "cache.local.arguments.path": str(tmp_path / "objects.sqlite"),
    }
    configs = [configure(dict(app_settings, **shared)) for _ in range(2)]
    apps = []
    for config in configs:
        config.commit()
        apps.append(
            webtest.TestApp(
                config.make_wsgi_app(), extra_environ={"HTTP_HOST": "localhost:6543"}
            )
        )
    clock = SimpleNamespace(time=lambda: 1_800_000_000.0)
    monkeypatch.setattr(headers, "time", clock)
    page = f"/products/{product.id}"
    first = apps[0].get(page)
    clock.time = lambda: 1_800_000_900.0  # a quarter of an hour later
    second = apps[1].get(page)
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"]
    apps[1].get(
        page, headers={"If-Modified-Since": first.headers["Last-Modified"]}, status=304
    )
    for config in configs:
        config.registry["db.engine"].dispose()


def test_if_modified_since_gets_304_while_the_page_is_unchanged(testapp, product):
    page = f"/products/{product.id}"
    modified = testapp.get(page).headers["Last-Modified"]
    testapp.get(page, headers={"If-Modified-Since": modified}, status=304)
    testapp.get(
        page,
        headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
        status=200,
    )


def test_a_category_page_names_every_product_and_its_listing(testapp, dbsession):
    category = dbsession.scalar(
        select(Category).where(Category.section == "store").order_by(Category.id)
    )
    response = testapp.get(f"/categories/{category.slug}?per_page=100")
    keys = keys_of(response)
    shown = {
        f"product:{a['href'].rsplit('/', 1)[-1]}"
        for a in response.html.select("a[href^='/products/']")
    }
    assert shown and shown <= keys
    assert {f"category:{category.id}", f"listing:category:{category.id}"} <= keys
    assert len(response.headers["xkey"]) <= 2048
    assert "s-maxage" in response.headers["Cache-Control"]


def test_section_fronts_are_cacheable(testapp):
    front = testapp.get("/")
    assert "public" in directives(front)
    assert "listing:section:store" in keys_of(front)
    assert any(k.startswith("product:") for k in keys_of(front))
    assert any(k.startswith("category:") for k in keys_of(front))


def test_the_products_api_is_tagged_like_the_page(testapp, product):
    response = testapp.get(f"/api/v1/products/{product.id}")
    assert f"product:{product.id}" in keys_of(response)
    assert directives(response)["s-maxage"] == "30"


def test_not_found_and_unsafe_requests_are_not_made_cacheable(testapp):
    missing = testapp.get("/products/999999999", status=404)
    assert "s-maxage" not in missing.headers.get("Cache-Control", "")
    assert "xkey" not in missing.headers


def test_user_specific_responses_are_private(testapp, product):
    summary = testapp.get("/cart/summary")
    assert {"private", "no-store"} <= set(directives(summary))
    assert "xkey" not in summary.headers
    cart = testapp.get("/cart")
    assert {"private", "no-store"} <= set(directives(cart))
    assert "xkey" not in cart.headers and "Expires" not in cart.headers


def test_a_scheduled_sale_caps_the_ttl(testapp, writer, make_product):
    product = writer.get(Product, make_product(stock=50))
    product.sale_price_minor = 999
    product.sale_ends_at = datetime.now(UTC) + timedelta(seconds=12)
    writer.commit()
    response = testapp.get(f"/products/{product.id}")
    assert int(directives(response)["s-maxage"]) <= 12


def test_a_price_change_purges_the_product_after_commit(
    testapp, writer, purges, make_product
):
    product = writer.get(Product, make_product(stock=50))
    testapp.get(f"/products/{product.id}")
    product.price_minor += 100
    writer.flush()
    assert purges() == []  # nothing before the commit
    writer.commit()
    purged = purges()
    assert f"product:{product.id}" in purged
    assert f"products:category:{product.category_id}" in purged


def test_a_rolled_back_change_purges_nothing(writer, purges, make_product):
    product = writer.get(Product, make_product(stock=50))
    product.name = "Never saved"
    writer.flush()
    writer.rollback()
    assert purges() == []


def test_stock_purges_only_when_availability_changes(writer, purges, make_product):
    product = writer.get(Product, make_product(stock=50))
    product.stock = 40
    writer.commit()
    assert purges() == []
    assert product.stock == 40  # loaded: the old value is known
    product.stock = 3  # low
    writer.commit()
    assert f"product:{product.id}" in purges()


def test_checkout_purges_a_product_whose_availability_changed(
    new_client, make_product, purges
):
    plenty = make_product(stock=50, price_minor=1000)
    last_ones = make_product(stock=6, price_minor=1000)
    shopper = new_client()
    for product_id in (plenty, last_ones):
        shopper.get(f"/products/{product_id}")  # the inventory is cached
    token = shopper.get("/api/v1/cart").json["csrf_token"]
    headers = {"X-CSRF-Token": token}
    for product_id in (plenty, last_ones):
        shopper.post_json(
            "/api/v1/cart/items",
            {"product_id": product_id, "quantity": 1},
            headers=headers,
        )
    shopper.post_json(
        "/api/v1/checkout",
        {
            "email": "shopper@example.com",
            "name": "A Shopper",
            "address": {
                "line1": "1 Main St",
                "city": "Springfield",
                "postal_code": "12345",
                "country": "US",
            },
            "payment": {
                "card_number": "4242 4242 4242 4242",
                "expiry": "12/40",
                "cvc": "123",
            },
        },
        headers=headers,
        status=201,
    )
    purged = purges()
    assert f"product:{last_ones}" in purged  # in stock -> low
    assert f"product:{plenty}" not in purged  # still in stock


@pytest.mark.parametrize("value", ["soon", "-1", "61"])
def test_a_bad_purge_repeat_is_named(app_settings, value):
    from emporium.config import configure
    from emporium.errors import ConfigurationError

    settings = dict(app_settings, **{"emporium.purge.repeat_after": value})
    with pytest.raises(ConfigurationError, match="emporium.purge.repeat_after"):
        configure(settings)
