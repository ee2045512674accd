"""``/robots.txt`` and the sitemaps: every section, category and product
reachable by a crawler, in files of at most ``PER_FILE`` URLs by ranges of
ids, cacheable by the proxy tier."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import func, select

from emporium.sections import get_sections
from emporium_catalog import sitemaps
from emporium_catalog.models import Category, Product

NS = {"s": sitemaps.NAMESPACE}
BASE = "http://localhost:6543"


def locations(response, tag: str) -> list[str]:
    assert response.content_type == "application/xml"
    assert response.headers["Cache-Control"].startswith("public")
    assert "s-maxage" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    root = ET.fromstring(response.body)
    assert root.tag == f"{{{sitemaps.NAMESPACE}}}{tag}"
    return [loc.text for loc in root.iterfind(".//s:loc", NS)]


def test_robots_points_at_the_sitemap_and_away_from_shoppers_pages(testapp):
    text = testapp.get("/robots.txt").text
    assert f"Sitemap: {BASE}/sitemap.xml" in text.splitlines()
    for path in ("/cart", "/checkout", "/account/", "/admin", "/api/"):
        assert f"Disallow: {path}" in text.splitlines()


def test_the_index_names_every_file(testapp, dbsession, monkeypatch):
    monkeypatch.setattr(sitemaps, "PER_FILE", 100)
    highest = dbsession.scalar(select(func.max(Product.id)))
    files = -(-highest // 100)
    found = locations(testapp.get("/sitemap.xml"), "sitemapindex")
    assert found == [f"{BASE}/sitemaps/pages.xml"] + [
        f"{BASE}/sitemaps/products-{n}.xml" for n in range(1, files + 1)
    ]
    testapp.get(f"/sitemaps/products-{files + 1}.xml", status=404)
    testapp.get("/sitemaps/products-0.xml", status=404)
    testapp.get("/sitemaps/products-x.xml", status=404)


def test_each_products_file_holds_its_range_of_ids(testapp, dbsession, monkeypatch):
    monkeypatch.setattr(sitemaps, "PER_FILE", 100)
    response = testapp.get("/sitemaps/products-2.xml")
    found = locations(response, "urlset")
    ids = dbsession.scalars(
        select(Product.id).where(Product.id.between(101, 200)).order_by(Product.id)
    ).all()
    assert found == [f"{BASE}/products/{i}" for i in ids]
    assert 0 < len(found) <= 100
    root = ET.fromstring(response.body)
    assert all(u.find("s:lastmod", NS) is not None for u in root.iterfind("s:url", NS))


def test_the_pages_file_holds_every_section_and_category(
    testapp, app_config, dbsession
):
    found = locations(testapp.get("/sitemaps/pages.xml"), "urlset")
    sections = [BASE + s.prefix for s in get_sections(app_config.registry)]
    slugs = dbsession.scalars(select(Category.slug).order_by(Category.id)).all()
    assert found == sections + [f"{BASE}/categories/{slug}" for slug in slugs]
    assert f"{BASE}/books/" in found
    # Every one of them is a page that answers.
    for url in found[:5]:
        testapp.get(url.removeprefix(BASE), status=200)


def test_urls_follow_the_host(testapp):
    text = testapp.get("/robots.txt", extra_environ={"HTTP_HOST": "partner.localhost"})
    assert "Sitemap: http://partner.localhost/sitemap.xml" in text.text
