"""The emergency purge's plans: the core's modes (a URL, a prefix) and the
catalog's (a product, a category), each naming the field of a bad value."""

from __future__ import annotations

import pytest
from pyramid.request import Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emporium.errors import InvalidInput
from emporium.interfaces import PurgeResult
from emporium.purge.plans import plan_purge, purge_modes, run_purge
from emporium_catalog.models import Category, Product


@pytest.fixture
def request_(app_config, engine):
    """A request of the app, with a database session of its own."""
    with Session(engine) as session:
        request = Request.blank("/")
        request.registry = app_config.registry
        request.dbsession = session
        yield request


@pytest.fixture
def session(request_):
    return request_.dbsession


def test_plan_of_a_url_keeps_its_query(request_):
    plan = plan_purge(request_, "url", "https://shop.example/books/?page=2")
    assert plan.targets == ["/books/?page=2"]


@pytest.mark.parametrize(
    "mode, value",
    [
        ("url", ""),
        ("url", "javascript:alert(1)"),
        ("url", "no-slash"),
        ("url", "/" + "x" * 3000),
        ("product", "NO-SUCH-SKU"),
        ("category", "no-such-slug"),
        ("everything", "/"),
    ],
)
def test_bad_plans_name_the_field(request_, mode, value):
    with pytest.raises(InvalidInput) as caught:
        plan_purge(request_, mode, value)
    assert caught.value.field in ("target", "mode")


def test_plan_of_a_product_names_its_pages_and_key(request_, session):
    product = session.scalars(select(Product).where(Product.section == "books")).first()
    for value in (str(product.id), product.sku):
        plan = plan_purge(request_, "product", value)
        assert plan.targets == [f"product:{product.id}"]
        assert f"/products/{product.id}" in plan.pages
        assert "/books/" in plan.pages


def test_plan_of_a_category_and_of_a_prefix(request_, session):
    category = session.scalars(select(Category)).first()
    plan = plan_purge(request_, "category", category.slug)
    assert plan.targets == [f"category:{category.id}"]
    assert f"/categories/{category.slug}" in plan.pages
    plan = plan_purge(request_, "prefix", "/categories/")
    assert plan.targets == ["/categories/"]
    assert f"/categories/{category.slug}" in plan.pages or plan.more
    everything = plan_purge(request_, "prefix", "/")
    assert "/books/" in everything.pages and everything.more > 0


def test_a_prefix_is_sent_as_one_ban(request_):
    class Bans:
        def purge_prefix(self, prefix, actor):
            return [PurgeResult("proxy", prefix, True, "200 Ban added")]

    plan = plan_purge(request_, "prefix", "/books/")
    results = run_purge(request_, Bans(), plan, "tester")
    assert [r.target for r in results] == ["/books/"]


def test_the_modes_are_the_cores_then_the_catalogs(app_config):
    assert list(purge_modes(app_config.registry)) == [
        "url",
        "prefix",
        "product",
        "category",
    ]


def test_the_pages_under_a_prefix_come_from_the_routes(request_, session):
    category = session.scalars(select(Category).order_by(Category.slug)).first()
    plan = plan_purge(request_, "prefix", f"/categories/{category.slug[:3]}")
    assert f"/categories/{category.slug}" in plan.pages
    assert all(page.startswith("/categories/") for page in plan.pages)
    products = plan_purge(request_, "prefix", "/products/")
    total = session.scalar(select(func.count()).select_from(Product))
    assert products.more == total
    assert f"{total} product pages among them" in products.summary
