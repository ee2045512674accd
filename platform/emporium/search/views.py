"""``GET /search`` (HTML), ``GET /api/v1/search`` and
``GET /api/v1/search/suggest`` (JSON), and the 503 shown when search is
unavailable.

The JSON views are validated against the API description (``openapi.yaml``)
before they run; they read their parameters from ``request.openapi``."""

from __future__ import annotations

import math
from types import SimpleNamespace as Namespace

from pyramid.config import Configurator
from pyramid.response import Response

from emporium.api.problems import is_api_request, problem
from emporium.search.conditions import (
    MAX_QUERY_LENGTH,
    conditions_from_openapi,
    conditions_from_request,
    facet_params,
    sort_rules,
)
from emporium.search.errors import SearchUnavailable
from emporium.search.interfaces import IProductLoader, ISearch
from emporium.sections import get_section
from emporium.settings import setting_value
from emporium.themes import render_template

SUGGESTIONS = 8


def _per_page(request) -> int:
    return setting_value(request.registry.settings, "emporium.catalog.page_size")


def load_products(request, ids: list[int]) -> list:
    """The products of ``ids`` in one batch, from the object cache."""
    if not ids:
        return []
    return request.registry.getUtility(IProductLoader).load_many(request, ids)


def _search(request, conditions):
    result = request.registry.getUtility(ISearch).search(conditions)
    return result, load_products(request, result.ids)


def _url(request, conditions, **changes) -> str:
    query = {
        "q": conditions.words,
        "section": conditions.section,
        "sort": conditions.sort if conditions.sort != "relevance" else None,
        "in_stock": "1" if conditions.in_stock else None,
        "category": conditions.category,
        "per_page": request.GET.get("per_page") and conditions.per_page,
    }
    facets = {name: list(values) for name, values in conditions.facets.items()}
    for name, value in changes.items():
        if name.startswith("facet_"):
            facets[name[6:]] = [value] if value is not None else []
        else:
            query[name] = value
    pairs = [(k, v) for k, v in query.items() if v not in (None, "")]
    pairs += [(k, v) for k, values in facets.items() for v in values]
    return request.route_path("search", _query=pairs)


def _section_url(request, conditions, name: str) -> str:
    """The link to one section's results: the chosen sort is kept only when
    that section offers it (not every section has every sort)."""
    sort = conditions.sort
    if sort not in sort_rules(get_section(request.registry, name)):
        sort = None
    return _url(request, conditions, section=name, sort=sort, page=None)


def search_page(request):
    conditions, section = conditions_from_request(request, _per_page(request))
    result, products = _search(request, conditions)
    if section is not None:
        request.section = section
    pages = max(1, math.ceil(min(result.total, 100_000) / conditions.per_page))
    labels = {
        name: f.label for name, f in facet_params(request.registry, section).items()
    }
    labels["section"] = "Department"
    titles = {s.name: s.title for s in request.sections}
    facets = []
    for name, counts in result.facets.items():
        chosen = set(conditions.facets.get(name, ()))
        if name == "section":
            chosen = {conditions.section} if conditions.section else set()
        entries = []
        for c in counts:
            if name == "section":
                url = _section_url(request, conditions, c.value)
                label = titles.get(c.value, c.value)
            else:
                url = _url(request, conditions, **{"facet_" + name: c.value})
                label = c.value
            entries.append(
                Namespace(label=label, count=c.count, url=url, chosen=c.value in chosen)
            )
        facets.append(
            Namespace(name=name, label=labels.get(name, name), values=entries)
        )
    sorts = [
        Namespace(
            name=name,
            label=label,
            url=_url(request, conditions, sort=name),
            chosen=name == conditions.sort,
        )
        for name, label in sort_rules(section).items()
    ]
    page = conditions.page
    return {
        "query": conditions.words,
        "conditions": conditions,
        "search_section": section,
        "products": products,
        "total": result.total,
        "facets": facets,
        "sorts": sorts,
        "page": page,
        "pages": pages,
        "max_query_length": MAX_QUERY_LENGTH,
        "clear_url": _url(
            request, conditions, **{f"facet_{n}": None for n in conditions.facets}
        ),
        "in_stock_url": _url(
            request, conditions, in_stock=None if conditions.in_stock else "1"
        ),
        "previous_url": _url(request, conditions, page=page - 1) if page > 1 else None,
        "next_url": _url(request, conditions, page=page + 1) if page < pages else None,
    }


def product_json(request, product) -> dict:
    return {
        "id": product.id,
        "name": product.name,
        "section": product.section,
        "url": request.route_path("product", id=product.id),
        "image_url": product.image_url,
        "price": str(product.price),
        "currency": product.currency,
        "stock": product.stock,
        "availability": product.availability,
    }


def api_search(request):
    conditions, section = conditions_from_openapi(request, _per_page(request))
    result, products = _search(request, conditions)
    request.response.cache_control = "public, max-age=0, s-maxage=30"
    return {
        "query": conditions.words,
        "section": conditions.section,
        "sort": conditions.sort,
        "sorts": list(sort_rules(section)),
        "page": conditions.page,
        "per_page": conditions.per_page,
        "total": result.total,
        "ids": result.ids,
        "products": [product_json(request, p) for p in products],
        "facets": {
            name: [{"value": c.value, "count": c.count} for c in counts]
            for name, counts in result.facets.items()
        },
    }


def api_suggest(request):
    text = request.openapi.parameters.query.get("q", "")
    suggestions = request.registry.getUtility(ISearch).suggest(text, SUGGESTIONS)
    request.response.cache_control = "public, max-age=60, s-maxage=300"
    return {
        "query": text,
        "suggestions": [
            {
                "id": s["id"],
                "name": s["name"],
                "url": request.route_path("product", id=s["id"]),
            }
            for s in suggestions
        ],
    }


def search_unavailable(exc: SearchUnavailable, request) -> Response:
    """503 with Retry-After: a problem document under /api/, else a page."""
    if is_api_request(request):
        response = problem(
            request,
            503,
            "Search is unavailable at the moment; please try again shortly.",
            title="Search is unavailable",
        )
    else:
        body = render_template(
            request,
            "error.pt",
            {
                "status": 503,
                "title": "Search is unavailable",
                "message": "Search is unavailable at the moment. Please try again "
                "in a little while; the rest of the store works as usual.",
                "field": None,
                "request_id": request.request_id,
            },
        )
        response = Response(body, status=503, content_type="text/html", charset="utf-8")
    response.headers["Retry-After"] = "30"
    response.cache_control = "no-store"
    return response


def includeme(config: Configurator) -> None:
    config.add_route("search", "/search")
    config.add_route("api_search", "/api/v1/search")
    config.add_route("api_search_suggest", "/api/v1/search/suggest")
    # Searches are counted apart from other pages (emporium.throttle.search).
    config.add_view(
        search_page,
        route_name="search",
        renderer="search.pt",
        request_method="GET",
        throttle="search",
    )
    config.add_view(
        api_search,
        route_name="api_search",
        renderer="json",
        request_method="GET",
        throttle="search",
        openapi=True,
    )
    config.add_view(
        api_suggest,
        route_name="api_search_suggest",
        renderer="json",
        request_method="GET",
        throttle="search",
        openapi=True,
    )
    config.add_exception_view(search_unavailable, SearchUnavailable)
