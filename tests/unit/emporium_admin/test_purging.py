"""The recording purger of the embedded default, and purge plans."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from zope.interface.verify import verifyClass, verifyObject

from emporium.audit import AuditEntry
from emporium.errors import InvalidInput
from emporium.interfaces import IPurger
from emporium_admin.purging import (
    NO_PROXY,
    PurgeResult,
    RecordingPurger,
    plan_purge,
    result_rows,
    run_purge,
)
from emporium_catalog.models import Category, Product


@pytest.fixture
def purger(engine):
    return RecordingPurger(sessionmaker(bind=engine))


def test_it_provides_the_interface(purger):
    assert verifyClass(IPurger, RecordingPurger)
    assert verifyObject(IPurger, purger)


def test_each_purge_is_audited_and_reported(purger, engine):
    results = purger.purge_urls(["/a-page", "/a-page", "/other"], "user:1 a@b.c")
    assert results == [
        PurgeResult("none", "/a-page", True, NO_PROXY),
        PurgeResult("none", "/other", True, NO_PROXY),
    ]
    keys = purger.purge_keys(["product:77001"], "cli:ops")
    assert [r.target for r in keys] == ["product:77001"]
    with Session(engine) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.target == "product:77001")
        ).one()
    assert (entry.action, entry.actor, entry.result) == (
        "purge.key",
        "cli:ops",
        NO_PROXY,
    )
    assert purger.purge_urls([], "nobody") == []


def test_results_of_any_purger_become_rows():
    class Foreign:
        proxy = "varnish-1"
        url = "/x"
        status = 200

    class Failed:
        proxy = "varnish-2"
        key = "product:1"
        status = 503

    rows = result_rows(
        [Foreign(), Failed(), PurgeResult("p", "/y", False, "timed out")]
    )
    assert [(r["proxy"], r["target"], r["ok"]) for r in rows] == [
        ("varnish-1", "/x", True),
        ("varnish-2", "product:1", False),
        ("p", "/y", False),
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


def test_a_purger_without_bans_gets_the_pages_of_a_prefix(session, app_config):
    class UrlsOnly:
        def purge_urls(self, urls, actor):
            return [PurgeResult("proxy", url, True, "purged") for url in urls]

        def purge_keys(self, keys, actor):
            raise AssertionError("not for a prefix")

    plan = plan_purge(session, app_config.registry, "prefix", "/books/")
    results = run_purge(UrlsOnly(), plan, "tester")
    assert [r.target for r in results] == plan.pages
