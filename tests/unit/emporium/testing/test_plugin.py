"""The testing kit as a plugin author meets it: a tiny project outside the
checkout, whose conftest names its plugins, runs its tests on the kit's
fixtures alone (the pytest plugin Emporium's installation registers)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

CONFTEST = """
import pytest


@pytest.fixture(scope="session")
def emporium_plugins():
    return "catalog bookstore cart admin"


@pytest.fixture(scope="session")
def emporium_seed_products():
    return 40
"""

TESTS = """
import pytest
from dogpile.cache.api import NO_VALUE
from zope.interface.verify import verifyObject

from emporium.cache.interfaces import IObjectCache
from emporium.testing import StoreClient, check_section


def test_the_app_has_the_plugins_of_the_conftest(emporium_settings, webapp):
    assert emporium_settings["emporium.plugins"] == "catalog bookstore cart admin"
    assert isinstance(webapp, StoreClient)
    assert "Books" in webapp.get("/books/").text
    webapp.get("/videogames/", status=404)


def test_the_seeded_catalog_by_section(seeded_catalog, webapp):
    skus = seeded_catalog.skus("books")
    assert skus
    product = seeded_catalog.product(skus[0])
    assert {seeded_catalog.product(sku).section for sku in skus} == {"books"}
    assert product.name in webapp.get(product.url).text
    assert seeded_catalog.skus("videogames") == []


def test_a_client_adds_to_its_cart(seeded_catalog, webapp):
    product = seeded_catalog.product(seeded_catalog.skus("books")[3])
    assert webapp.add_to_cart(product.sku, quantity=2).status_int == 303
    assert product.name in webapp.get("/cart").text


def test_each_client_has_its_own_session(emporium_app, seeded_catalog):
    first, second = StoreClient(emporium_app), StoreClient(emporium_app)
    first.add_to_cart(seeded_catalog.skus("books")[4])
    assert first.csrf_token() != second.csrf_token()
    assert second.get("/api/v1/cart").json["items"] == []


def test_a_form_without_its_token_is_refused(webapp):
    webapp.post("/cart/items", {"product_id": "1"}, status=403)


def test_the_administrator_logs_in_and_purges(webapp, seeded_catalog, recording_purger):
    webapp.get("/admin/", status=(302, 303, 401, 403))
    webapp.login_admin()
    assert webapp.get("/admin/").status_int == 200
    webapp.post_form("/admin/purge", {"mode": "url", "target": "/books/"})
    assert [url for url in recording_purger.urls if url.endswith("/books/")]
    product = seeded_catalog.product(seeded_catalog.skus("books")[0])
    webapp.post_form("/admin/purge", {"mode": "product", "target": product.sku})
    assert recording_purger.keys == [f"product:{product.id}"]


def test_the_recorded_purges_start_empty(recording_purger):
    assert recording_purger.urls == recording_purger.keys == []


def test_the_object_cache_is_the_apps(webapp, seeded_catalog, object_cache):
    verifyObject(IObjectCache, object_cache)
    product = seeded_catalog.product(seeded_catalog.skus("books")[5])
    webapp.get(product.url)
    key = f"core:{product.id}"
    assert object_cache.get(key) is not NO_VALUE
    object_cache.invalidate([key])
    assert object_cache.get(key) is NO_VALUE


def test_the_books_section_conforms(emporium_app):
    check_section(emporium_app, "books")


def test_an_unknown_section_is_named(emporium_app):
    with pytest.raises(AssertionError, match="no section 'music'.*books"):
        check_section(emporium_app, "music")
"""


def test_a_plugin_project_tests_with_the_kit_alone(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_music=TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=10)
