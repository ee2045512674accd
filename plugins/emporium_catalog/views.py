"""Storefront views: section fronts, category pages, product pages."""

from __future__ import annotations

import hashlib

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response

import emporium_catalog
from emporium import slots
from emporium.cache.render import render_page
from emporium.errors import InvalidInput
from emporium.interfaces import IProductCatalog
from emporium.sections import get_section
from emporium.settings import setting_value
from emporium_catalog.products import earliest
from emporium_catalog.services import Cursor

MAX_PAGE_SIZE = 100
FRONT_PRODUCTS = 12


def _page_size(request) -> int:
    default = setting_value(request.registry.settings, "emporium.catalog.page_size")
    raw = request.GET.get("per_page")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise InvalidInput(
            "per_page", f"must be a whole number from 1 to {MAX_PAGE_SIZE}"
        )
    return int(raw)


def _catalog(request) -> IProductCatalog:
    # The registry, not find_service: pyramid_services builds a container per
    # request, a fifth of a warm product page's time (bench/page.py).
    return request.registry.getUtility(IProductCatalog)


def section_front(section, request):
    """The front of any store section (the context is the section)."""
    catalog = _catalog(request)
    categories = catalog.categories(section.name)
    products = catalog.top_in_section(section.name, FRONT_PRODUCTS)
    sources = (
        *(category.source for category in categories),
        *(source for product in products for source in product.sources),
    )
    value = {"categories": categories, "products": products}
    expires = earliest(product.changes_at for product in products)
    return render_page(
        request,
        "section.pt",
        value,
        sources,
        emporium_catalog,
        expires,
        page=slots.section_page(section),
    )


def category_page(request):
    catalog = _catalog(request)
    category = catalog.category_by_slug(request.matchdict["slug"])
    if category is None:
        raise HTTPNotFound()
    request.section = get_section(request.registry, category.section)
    if request.section is None:  # its section's plugin is disabled or removed
        raise HTTPNotFound()
    size = _page_size(request)
    after = Cursor.parse("after", request.GET.get("after"))
    before = Cursor.parse("before", request.GET.get("before"))
    if after and before:
        raise InvalidInput("before", "cannot be combined with after")
    page = catalog.category_page(category, size, after=after, before=before)
    keep = {"per_page": size} if "per_page" in request.GET else {}

    def link(**query) -> str:
        return request.route_path("category", slug=category.slug, _query=query | keep)

    value = {
        "category": category,
        "page": page,
        "next_url": link(after=page.next) if page.next else None,
        "previous_url": link(before=page.previous) if page.previous else None,
    }
    sources = (category.source, *page.sources)
    return render_page(
        request,
        "category.pt",
        value,
        sources,
        emporium_catalog,
        page.changes_at,
        page=slots.category_page(category.slug),
    )


def product_page(request):
    product = _catalog(request).product(int(request.matchdict["id"]))
    if product is None:
        raise HTTPNotFound()
    request.section = product.section

    def value() -> dict:
        view = product.view()
        return {"product": view, "details": view.details}

    return render_page(
        request,
        "product.pt",
        value,
        product.sources,
        emporium_catalog,
        product.changes_at,
    )


_PALETTE = ("#c0392b", "#2980b9", "#27ae60", "#8e44ad", "#d35400", "#16a085")


def product_image(request):
    """A generated placeholder picture, so the demo catalog needs no files."""
    product_id = request.matchdict["id"]
    digest = hashlib.sha256(product_id.encode()).digest()
    colour = _PALETTE[digest[0] % len(_PALETTE)]
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300" '
        'viewBox="0 0 300 300">'
        f'<rect width="300" height="300" fill="{colour}"/>'
        f'<circle cx="150" cy="130" r="{50 + digest[1] % 40}" fill="#ffffff55"/>'
        f'<text x="150" y="270" font-family="sans-serif" font-size="28" '
        f'fill="#fff" text-anchor="middle">#{product_id}</text></svg>'
    )
    response = Response(svg, content_type="image/svg+xml", charset="utf-8")
    response.cache_control = "public, max-age=86400"
    return response


def includeme(config) -> None:
    from emporium.interfaces import IStoreSection

    # The front of every section, unless its plugin registers its own.
    config.add_view(
        section_front,
        context=IStoreSection,
        renderer="section.pt",
        request_method="GET",
    )
    config.add_view(
        category_page,
        route_name="category",
        renderer="category.pt",
        request_method="GET",
    )
    config.add_view(
        product_page, route_name="product", renderer="product.pt", request_method="GET"
    )
    config.add_view(product_image, route_name="product_image", request_method="GET")
