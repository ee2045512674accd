"""Products in JSON: ``/api/v1/products`` and ``/api/v1/products/{id}``."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import select

from emporium.errors import InvalidInput
from emporium.interfaces import IProductCatalog
from emporium.sections import get_section, get_sections
from emporium_catalog.models import Product

MAX_PAGE = 500


def product_json(product, section) -> dict:
    """A product with its section's own fields, by name, at the top level."""
    body = {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "image_url": product.image_url,
        "price": f"{product.price:.2f}",
        "currency": product.currency,
        "stock": product.stock,
        "availability": product.availability,
        "section": product.section,
        "category": (
            {"slug": product.category.slug, "name": product.category.name}
            if product.category is not None
            else None
        ),
    }
    if section is not None:
        own = dict(
            zip(
                [f.name for f in section.fields],
                [v for _, v in product.details],
                strict=False,
            )
        )
        body["fields"] = own
        for name, value in own.items():
            body.setdefault(name, value)
    return body


def list_products(request):
    params = request.openapi.parameters.query
    section_name = params.get("section")
    if section_name is not None and get_section(request.registry, section_name) is None:
        known = ", ".join(s.name for s in get_sections(request.registry))
        raise InvalidInput("section", f"must be one of {known}")
    page = params.get("page", 1)
    per_page = params.get("per_page", 24)
    if page > MAX_PAGE:
        raise InvalidInput("page", f"must be at most {MAX_PAGE}; use search to narrow")
    query = select(Product.id).order_by(Product.best_seller_rank, Product.id)
    if section_name:
        query = query.where(Product.section == section_name)
    ids = list(
        request.dbsession.scalars(
            query.limit(per_page + 1).offset((page - 1) * per_page)
        )
    )
    more = len(ids) > per_page
    catalog = request.registry.getUtility(IProductCatalog)
    products = catalog.views(ids[:per_page])
    request.response.cache_control = "public, max-age=60"
    return {
        "products": [
            {
                "id": p.id,
                "name": p.name,
                "price": f"{p.price:.2f}",
                "currency": p.currency,
                "stock": p.stock,
                "availability": p.availability,
                "image_url": p.image_url,
                "url": request.route_path("product", id=p.id),
            }
            for p in products
        ],
        "page": page,
        "per_page": per_page,
        "next_page": page + 1 if more and page < MAX_PAGE else None,
    }


def get_product(request):
    product_id = request.openapi.parameters.path["id"]
    catalog = request.registry.getUtility(IProductCatalog)
    product = catalog.product_view(product_id)
    if product is None:
        raise HTTPNotFound()
    request.response.cache_control = "public, max-age=60"
    return product_json(product, get_section(request.registry, product.section))


def includeme(config) -> None:
    config.add_openapi_fragment("emporium_catalog:openapi.yaml")
    for view, route in ((list_products, "api.products"), (get_product, "api.product")):
        config.add_view(
            view, route_name=route, request_method="GET", openapi=True, renderer="json"
        )
