"""Purge plans, and the purger's results as rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium.errors import InvalidInput
from emporium.interfaces import PurgeResult
from emporium_admin.purging import plan_purge, result_rows, run_purge
from emporium_catalog.models import Category, Product


def test_results_become_rows():
    rows = result_rows(
        [
            PurgeResult("varnish-a", "/x", True, "200 Purged", 200, 1),
            PurgeResult("varnish-b", "product:1", False, "503 Busy", 503, 3),
        ]
    )
    assert [(r["proxy"], r["target"], r["ok"], r["message"]) for r in rows] == [
        ("varnish-a", "/x", True, "200 Purged"),
        ("varnish-b", "product:1", False, "503 Busy"),
    ]


@pytest.fixture
def session(engine):
    with Session(engine) as session:
        yield session


def test_plan_of_a_url_keeps_its_query(session, app_config):
    plan = plan_purge(
        session, app_config.registry, "url", "https://shop.example/books/?page=2"
    )
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
def test_bad_plans_name_the_field(session, app_config, mode, value):
    with pytest.raises(InvalidInput) as caught:
        plan_purge(session, app_config.registry, mode, value)
    assert caught.value.field in ("target", "mode")


def test_plan_of_a_product_names_its_pages_and_key(session, app_config):
    product = session.scalars(select(Product).where(Product.section == "books")).first()
    for value in (str(product.id), product.sku):
        plan = plan_purge(session, app_config.registry, "product", value)
        assert plan.targets == [f"product:{product.id}"]
        assert f"/products/{product.id}" in plan.pages
        assert "/books/" in plan.pages


def test_plan_of_a_category_and_of_a_prefix(session, app_config):
    category = session.scalars(select(Category)).first()
    plan = plan_purge(session, app_config.registry, "category", category.slug)
    assert plan.targets == [f"category:{category.id}"]
    assert f"/categories/{category.slug}" in plan.pages
    plan = plan_purge(session, app_config.registry, "prefix", "/categories/")
    assert plan.targets == ["/categories/"]
    assert f"/categories/{category.slug}" in plan.pages or plan.more
    everything = plan_purge(session, app_config.registry, "prefix", "/")
    assert "/books/" in everything.pages and everything.more > 0


def test_a_prefix_is_sent_as_one_ban(session, app_config):
    class Bans:
        def purge_prefix(self, prefix, actor):
            return [PurgeResult("proxy", prefix, True, "200 Ban added")]

    plan = plan_purge(session, app_config.registry, "prefix", "/books/")
    results = run_purge(Bans(), plan, "tester")
    assert [r.target for r in results] == ["/books/"]
