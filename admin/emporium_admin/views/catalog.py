"""Products and categories: list, filter, edit, price and stock in place."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response

from emporium.errors import InvalidInput
from emporium.search.conditions import MAX_PAGE
from emporium.search.errors import SearchUnavailable
from emporium.sections import get_section, get_sections
from emporium_admin import forms
from emporium_admin.imports import export_rows
from emporium_admin.resources import actor_of
from emporium_admin.views import page, query_int
from emporium_catalog.interfaces import (
    FoundPage,
    IProductPhotos,
    IProductReader,
    IProductWriter,
    ProductFilter,
)
from emporium_catalog.schema import MAX_STOCK, money_text, parse_int, parse_money

log = logging.getLogger(__name__)


def _reader(request) -> IProductReader:
    return request.registry.getUtility(IProductReader)


def _writer(request) -> IProductWriter:
    return request.registry.getUtility(IProductWriter)


def _product(request):
    """The product of the URL's id; 404 when there is none."""
    product = _reader(request).product(request.dbsession, int(request.matchdict["id"]))
    if product is None:
        raise HTTPNotFound()
    return product


# -- the list ------------------------------------------------------------------


def _filters(request) -> ProductFilter:
    q = request.GET.get("q", "").strip()[:200]
    section = request.GET.get("section", "").strip()
    if section and get_section(request.registry, section) is None:
        raise InvalidInput("section", "is not a section of the store")
    return ProductFilter(q, section, query_int(request, "category"))


def _page_number(request) -> int:
    number = query_int(request, "page")
    if number is None:
        return 1
    if not 1 <= number <= MAX_PAGE:
        raise InvalidInput("page", f"must be a whole number from 1 to {MAX_PAGE}")
    return number


def _find(request, filters: ProductFilter, number: int) -> FoundPage | None:
    """A query's matches from the search service; None when it is
    unavailable, and the list falls back to scanning names."""
    try:
        return _reader(request).find(request.dbsession, filters, number)
    except SearchUnavailable as exc:
        log.warning("catalog list: search unavailable, scanning names: %s", exc)
        return None


def _numbered(request, keep: dict, found: FoundPage):
    """The search service's matches, a numbered page at a time."""
    number = found.page
    next_url = previous_url = None
    if number < found.pages:
        next_url = request.route_path(
            "admin.products", _query=keep | {"page": number + 1}
        )
    if number > 1:
        earlier = {"page": number - 1} if number > 2 else {}
        previous_url = request.route_path("admin.products", _query=keep | earlier)
    here = keep | ({"page": number} if number > 1 else {})
    return found.items, next_url, previous_url, here


def _keyset(request, keep: dict, filters, after: int | None, before: int | None):
    """Every product, or a scan's matches, a page at a time by keyset."""
    result = _reader(request).page(request.dbsession, filters, after, before)
    next_url = previous_url = None
    if result.next:
        next_url = request.route_path(
            "admin.products", _query=keep | {"after": result.next}
        )
    if result.previous:
        previous_url = request.route_path(
            "admin.products", _query=keep | {"before": result.previous}
        )
    here = (
        keep
        | ({"after": after} if after is not None else {})
        | ({"before": before} if before is not None else {})
    )
    return result.items, next_url, previous_url, here


def product_list(request, errors=None, status=200):
    filters = _filters(request)
    after = query_int(request, "after")
    before = query_int(request, "before")
    number = _page_number(request)
    found = _find(request, filters, number) if filters.q else None
    keep = {
        k: v
        for k, v in (
            ("q", filters.q),
            ("section", filters.section),
            ("category", filters.category_id),
        )
        if v not in ("", None)
    }
    if found is not None:
        products, next_url, previous_url, here = _numbered(request, keep, found)
    else:
        products, next_url, previous_url, here = _keyset(
            request, keep, filters, after, before
        )
    categories = _reader(request).categories(request.dbsession)
    names = {c.id: c.name for cs in categories.values() for c in cs}
    request.response.status = status
    return page(
        request,
        products=products,
        found=found,
        # A query the search service could not answer: names were scanned.
        fallback=bool(filters.q) and found is None,
        filters=filters,
        sections=get_sections(request.registry),
        categories=categories,
        category_names=names,
        next_url=next_url,
        previous_url=previous_url,
        # Where a saved row returns to: this very page of the list.
        here=request.route_path("admin.products", _query=here),
        amount=money_text,
        errors=errors or {},
        posted=request.POST if errors else {},
    )


def quick_edit(request):
    """Price and stock from the list, saved in place."""
    product = _product(request)
    errors: dict = {}
    price = parse_money(
        request.POST.get("price", ""), product.currency, "price", errors
    )
    stock = parse_int(request.POST.get("stock", ""), "stock", errors, 0, MAX_STOCK)
    if (
        price is not None
        and product.sale_price_minor is not None
        and price <= product.sale_price_minor
    ):
        errors["price"] = "must be above the sale price"
    back = request.POST.get("back", "")
    if not back.startswith("/admin/products"):
        back = request.route_path("admin.products")
    if errors:
        # The form's action keeps the list's query: the same page comes back.
        return product_list(request, errors={product.id: errors}, status=400)
    _, changes = _writer(request).save(
        request.dbsession,
        product,
        get_section(request.registry, product.section),
        {"price_minor": price, "stock": stock},
        {},
        actor_of(request),
    )
    if changes:
        request.session.flash(f"Saved {product.sku}: {product.name}.")
    return HTTPSeeOther(back)


def export_csv(request):
    response = Response(content_type="text/csv", charset="utf-8")
    response.app_iter = export_rows(
        request.registry["dbsession_factory"], request.registry
    )
    response.content_disposition = 'attachment; filename="catalog.csv"'
    response.cache_control = "private, no-store"
    return response


# -- create and edit -----------------------------------------------------------


def _form(request, product, section, values, details, errors=None, status=200):
    request.response.status = status
    categories = _reader(request).categories(request.dbsession).get(section.name, [])
    return page(
        request,
        choose=False,
        product=product,
        section=section,
        values=values,
        details=details,
        section_fields=_writer(request).input_fields(section),
        section_categories=categories,
        errors=errors or {},
        photos=[]
        if product is None
        else request.registry.getUtility(IProductPhotos).photos(
            request.dbsession, product.id
        ),
        photo_error=None,
        current_price=money_text(
            product.current_price_minor() if product is not None else None,
            values.get("currency", "USD"),
        ),
    )


def new_product_form(request):
    section = get_section(request.registry, request.GET.get("section", ""))
    if section is None:
        return page(
            request, sections=get_sections(request.registry), choose=True, product=None
        )
    values = {"currency": "USD", "stock": "0", "best_seller_rank": "1000000"}
    fields = _writer(request).input_fields(section)
    return _form(request, None, section, values, forms.details_values(fields, None))


def edit_product_form(request):
    product = _product(request)
    section = get_section(request.registry, product.section)
    if section is None:
        raise HTTPNotFound("this product's section is not enabled")
    row = _reader(request).details(request.dbsession, section, product.id)
    return _form(
        request,
        product,
        section,
        forms.product_values(product),
        forms.details_values(_writer(request).input_fields(section), row),
    )


def save_product(request):
    product = None
    if "id" in request.matchdict:
        product = _product(request)
        section = get_section(request.registry, product.section)
    else:
        section = get_section(request.registry, request.POST.get("section", ""))
    if section is None:
        raise InvalidInput("section", "is not a section of the store")
    categories = {
        c.id: c.slug
        for c in _reader(request).categories(request.dbsession).get(section.name, [])
    }
    writer = _writer(request)
    fields = [f for f in writer.input_fields(section) if f.writable]
    errors: dict = {}
    values, details = writer.parse(
        section,
        forms.product_input(request.POST),
        forms.details_input(request.POST, fields),
        categories,
        errors,
        prefix="detail.",
    )
    writer.check(
        request.dbsession,
        section,
        values,
        details,
        product.id if product else None,
        errors,
        prefix="detail.",
    )
    if errors:
        shown = {k: request.POST.get(k, "") for k in request.POST}
        detail_text = {f.name: request.POST.get(f"detail.{f.name}", "") for f in fields}
        return _form(request, product, section, shown, detail_text, errors, 400)
    product, changes = writer.save(
        request.dbsession, product, section, values, details, actor_of(request)
    )
    request.session.flash(
        f"Saved {product.sku}: {product.name}." if changes else "Nothing changed."
    )
    return HTTPSeeOther(request.route_path("admin.product", id=product.id))


# -- categories ------------------------------------------------------------------


def category_list(request, errors=None, values=None, status=200):
    request.response.status = status
    reader = _reader(request)
    return page(
        request,
        categories=reader.categories(request.dbsession),
        sections=get_sections(request.registry),
        counts=reader.category_counts(request.dbsession),
        errors=errors or {},
        values=values or {},
        editing=query_int(request, "edit"),
    )


def save_category(request):
    category = None
    if "id" in request.matchdict:
        ident = int(request.matchdict["id"])
        category = _reader(request).category(request.dbsession, ident)
        if category is None:
            raise HTTPNotFound()
    errors: dict = {}
    names = [s.name for s in get_sections(request.registry)]
    values = forms.parse_category(request.POST, errors, names)
    writer = _writer(request)
    if "slug" not in errors:
        ident = category.id if category else None
        writer.check_category(request.dbsession, values, ident, errors)
    if errors:
        key = category.id if category else "new"
        return category_list(
            request, errors={key: errors}, values={key: dict(request.POST)}, status=400
        )
    category, _ = writer.save_category(
        request.dbsession, category, values, actor_of(request)
    )
    request.session.flash(f"Saved the category {category.name}.")
    return HTTPSeeOther(request.route_path("admin.categories"))
