"""The catalog's modes of the emergency purge (every page showing a product,
a category) and its pages under a prefix, for ``emporium.purge.plans``."""

from __future__ import annotations

from pyramid.config import Configurator
from sqlalchemy import String, cast, func, select

from emporium.errors import InvalidInput
from emporium.purge.plans import PurgePlan
from emporium.sections import get_section
from emporium_catalog.models import Category, Product


def _by_id_or(dbsession, model, column, value: str, names: str):
    value = value.strip()
    if not value:
        raise InvalidInput("target", f"enter a {model.__name__.lower()} {names}")
    found = None
    if value.isdigit() and len(value) < 19:
        found = dbsession.get(model, int(value))
    if found is None:
        found = dbsession.scalar(select(model).where(column == value))
    if found is None:
        raise InvalidInput(
            "target", f"no {model.__name__.lower()} has the {names} {value!r}"
        )
    return found


def plan_product(request, value: str) -> PurgePlan:
    dbsession = request.dbsession
    product = _by_id_or(dbsession, Product, Product.sku, value, "id or SKU")
    pages = [
        request.route_path("product", id=product.id),
        request.route_path("api.product", id=product.id),
    ]
    if product.category_id is not None:
        category = dbsession.get(Category, product.category_id)
        if category is not None:
            pages.append(request.route_path("category", slug=category.slug))
    section = get_section(request.registry, product.section)
    if section is not None:
        pages.append(section.prefix)
    pages.append("search results that list it")
    return PurgePlan(
        "product",
        value,
        [f"product:{product.id}"],
        f"every page showing {product.name} ({product.sku}), tagged "
        f"product:{product.id}",
        pages,
    )


def plan_category(request, value: str) -> PurgePlan:
    dbsession = request.dbsession
    category = _by_id_or(dbsession, Category, Category.slug, value, "id or slug")
    pages = [request.route_path("category", slug=category.slug)]
    section = get_section(request.registry, category.section)
    if section is not None:
        pages.append(section.prefix)
    count = dbsession.scalar(
        select(func.count()).where(Product.category_id == category.id)
    )
    return PurgePlan(
        "category",
        value,
        [f"category:{category.id}"],
        f"every page showing the category {category.name}, tagged "
        f"category:{category.id}",
        pages,
        more=count or 0,
    )


def _under(prefix: str, base: str) -> str | None:
    """What a page under ``base`` must start with to be under ``prefix``
    ("" for all of them), or None when none is."""
    if base.startswith(prefix):
        return ""
    return prefix[len(base) :] if prefix.startswith(base) else None


def pages_under(request, prefix: str) -> tuple[list[str], int, str]:
    """The category pages under ``prefix``, and how many product pages."""
    dbsession = request.dbsession
    pages = []
    slug = _under(prefix, request.route_path("category", slug=""))
    if slug is not None:
        slugs = select(Category.slug).order_by(Category.slug)
        if slug:
            slugs = slugs.where(Category.slug.startswith(slug))
        pages = [
            request.route_path("category", slug=s) for s in dbsession.scalars(slugs)
        ]
    count = 0
    digits = _under(prefix, request.route_path("product", id=""))
    if digits == "":
        count = dbsession.scalar(select(func.count()).select_from(Product))
    elif digits and digits.isdigit():
        count = dbsession.scalar(
            select(func.count()).where(cast(Product.id, String).startswith(digits))
        )
    return pages, count or 0, "product pages"


def includeme(config: Configurator) -> None:
    config.add_purge_mode("product", "Every page showing a product", plan_product)
    config.add_purge_mode("category", "Every page showing a category", plan_category)
    config.add_prefix_pages(pages_under)
