"""``/robots.txt`` and the sitemaps search engines read: an index at
``/sitemap.xml``, the sections and categories in ``/sitemaps/pages.xml``,
and the products by ranges of ids in ``/sitemaps/products-<n>.xml``.

A range of ids (not an offset) makes each products file one walk of the
primary key, at any catalog size: file ``n`` holds ids
``(n-1)*PER_FILE + 1 .. n*PER_FILE`` (fewer where ids were deleted), so a
million products are 20 files of at most 50,000 URLs, the protocol's limit.
All of them are the same for every visitor and kept by the proxy tier for
an hour.
"""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from sqlalchemy import func, select

from emporium.sections import get_sections
from emporium_catalog.models import Category, Product

PER_FILE = 50_000
# Where the id goes in the product route's URL: the one place this string is.
_MARK = "918273645546372819"
MAX_AGE = 3600
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# Pages of one shopper's, or endless combinations of parameters: not for
# crawlers.
DISALLOW = ("/cart", "/checkout", "/orders/", "/account/", "/admin", "/api/", "/search")


def _cacheable(response: Response, content_type: str) -> Response:
    response.content_type = content_type
    response.charset = "utf-8"
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}, s-maxage={MAX_AGE}"
    return response


def _lastmod(at: datetime | None) -> str:
    return f"<lastmod>{at.date().isoformat()}</lastmod>" if at else ""


def _urlset(request, entries) -> Response:
    """``entries``: (URL, last modified or None)."""
    parts = [XML_DECLARATION, f'<urlset xmlns="{NAMESPACE}">\n']
    for url, at in entries:
        parts.append(f"<url><loc>{escape(url)}</loc>{_lastmod(at)}</url>\n")
    parts.append("</urlset>\n")
    return _cacheable(Response(body="".join(parts).encode()), "application/xml")


def _product_files(dbsession) -> int:
    highest = dbsession.scalar(select(func.max(Product.id))) or 0
    return max(1, -(-highest // PER_FILE))


def robots(request) -> Response:
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in DISALLOW]
    lines += ["", f"Sitemap: {request.route_url('sitemap')}", ""]
    return _cacheable(Response(body="\n".join(lines).encode()), "text/plain")


def sitemap_index(request) -> Response:
    files = [request.route_url("sitemap.pages")]
    files += [
        request.route_url("sitemap.products", n=n)
        for n in range(1, _product_files(request.dbsession) + 1)
    ]
    parts = [
        XML_DECLARATION,
        f'<sitemapindex xmlns="{NAMESPACE}">\n',
        *(f"<sitemap><loc>{escape(url)}</loc></sitemap>\n" for url in files),
        "</sitemapindex>\n",
    ]
    return _cacheable(Response(body="".join(parts).encode()), "application/xml")


def pages_sitemap(request) -> Response:
    sections = get_sections(request.registry)
    entries = [(request.route_url(section.route_name), None) for section in sections]
    # A disabled section's categories and products are not listed.
    slugs = request.dbsession.scalars(
        select(Category.slug)
        .where(Category.section.in_([s.name for s in sections]))
        .order_by(Category.id)
    )
    entries += [(request.route_url("category", slug=slug), None) for slug in slugs]
    return _urlset(request, entries)


def products_sitemap(request) -> Response:
    number = int(request.matchdict["n"])
    if not 1 <= number <= _product_files(request.dbsession):
        raise HTTPNotFound()
    rows = request.dbsession.execute(
        select(Product.id, Product.updated_at)
        .where(Product.id > (number - 1) * PER_FILE, Product.id <= number * PER_FILE)
        .where(Product.section.in_([s.name for s in get_sections(request.registry)]))
        .order_by(Product.id)
    )
    # The product route's URL once, its id filled in per row: fifty thousand
    # route_url calls would cost a tenth of a second.
    before, after = request.route_url("product", id=_MARK).split(_MARK)
    return _urlset(request, ((f"{before}{pid}{after}", at) for pid, at in rows))


def includeme(config) -> None:
    config.add_route("robots", "/robots.txt")
    config.add_route("sitemap", "/sitemap.xml")
    config.add_route("sitemap.pages", "/sitemaps/pages.xml")
    config.add_route("sitemap.products", r"/sitemaps/products-{n:\d{1,6}}.xml")
    for view, route in (
        (robots, "robots"),
        (sitemap_index, "sitemap"),
        (pages_sitemap, "sitemap.pages"),
        (products_sitemap, "sitemap.products"),
    ):
        config.add_view(view, route_name=route, request_method=("GET", "HEAD"))
