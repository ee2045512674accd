"""The emergency purge: the plan it shows before it runs, and running it
through the ``IPurger`` utility (``emporium.purge``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from emporium.errors import InvalidInput
from emporium.interfaces import PurgeResult
from emporium.sections import get_section, get_sections

MODES = {
    "url": "One URL",
    "prefix": "Every URL under a prefix",
    "product": "Every page showing a product",
    "category": "Every page showing a category",
}
MAX_URL = 2000
SAMPLE = 20


def result_rows(results: Iterable[PurgeResult]) -> list[dict]:
    """The purger's results as rows for the page: proxy, target, whether it
    worked and what the proxy said."""
    return [
        {"proxy": r.proxy, "target": r.target, "ok": r.ok, "message": r.message}
        for r in results
    ]


# -- the plan: what an emergency purge will hit ------------------------------


@dataclass
class PurgePlan:
    mode: str
    value: str
    targets: list[str]
    summary: str
    pages: list[str] = field(default_factory=list)
    more: int = 0


def _path_of(value: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput("target", "enter a URL or a path such as /products/42")
    if len(value) > MAX_URL:
        raise InvalidInput("target", f"must be at most {MAX_URL} characters")
    parts = urlsplit(value)
    if parts.scheme and parts.scheme not in ("http", "https"):
        raise InvalidInput("target", "must be an http(s) URL or a path")
    path = parts.path or "/"
    if not path.startswith("/") or any(c.isspace() for c in value):
        raise InvalidInput("target", "must be a path starting with / or a full URL")
    return path + (f"?{parts.query}" if parts.query else "")


def _product(dbsession: Session, value: str):
    from emporium_catalog.models import Product

    value = value.strip()
    if not value:
        raise InvalidInput("target", "enter a product id or SKU")
    product = None
    if value.isdigit() and len(value) < 19:
        product = dbsession.get(Product, int(value))
    if product is None:
        product = dbsession.scalar(select(Product).where(Product.sku == value))
    if product is None:
        raise InvalidInput("target", f"no product has the id or SKU {value!r}")
    return product


def _category(dbsession: Session, value: str):
    from emporium_catalog.models import Category

    value = value.strip()
    if not value:
        raise InvalidInput("target", "enter a category id or slug")
    category = None
    if value.isdigit() and len(value) < 19:
        category = dbsession.get(Category, int(value))
    if category is None:
        category = dbsession.scalar(select(Category).where(Category.slug == value))
    if category is None:
        raise InvalidInput("target", f"no category has the id or slug {value!r}")
    return category


def plan_purge(dbsession: Session, registry, mode: str, value: str) -> PurgePlan:
    """What purging ``value`` in ``mode`` will hit; raises ``InvalidInput``."""
    from emporium_catalog.models import Category, Product

    if mode not in MODES:
        raise InvalidInput("mode", f"must be one of {', '.join(MODES)}")
    if mode == "url":
        path = _path_of(value)
        return PurgePlan(mode, value, [path], f"the page {path}", [path])
    if mode == "prefix":
        prefix = _path_of(value).split("?", 1)[0]
        pages = [
            s.prefix for s in get_sections(registry) if s.prefix.startswith(prefix)
        ]
        slugs = select(Category.slug).order_by(Category.slug)
        if not "/categories/".startswith(prefix):
            if not prefix.startswith("/categories/"):
                slugs = None
            else:
                slugs = slugs.where(Category.slug.startswith(prefix[12:]))
        if slugs is not None:
            pages += [f"/categories/{slug}" for slug in dbsession.scalars(slugs)]
        products = None
        if "/products/".startswith(prefix):
            products = select(func.count()).select_from(Product)
        elif prefix.startswith("/products/") and prefix[10:].isdigit():
            products = select(func.count()).where(
                cast(Product.id, String).startswith(prefix[10:])
            )
        count = dbsession.scalar(products) if products is not None else 0
        shown = pages[:SAMPLE]
        more = len(pages) - len(shown) + (count or 0)
        summary = f"every cached URL that starts with {prefix}"
        if count:
            summary += f", {count} product pages among them"
        return PurgePlan(mode, value, [prefix], summary, shown, more)
    if mode == "product":
        product = _product(dbsession, value)
        pages = [f"/products/{product.id}", f"/api/v1/products/{product.id}"]
        if product.category_id is not None:
            category = dbsession.get(Category, product.category_id)
            if category is not None:
                pages.append(f"/categories/{category.slug}")
        section = get_section(registry, product.section)
        if section is not None:
            pages.append(section.prefix)
        pages.append("search results that list it")
        return PurgePlan(
            mode,
            value,
            [f"product:{product.id}"],
            f"every page showing {product.name} ({product.sku}), tagged "
            f"product:{product.id}",
            pages,
        )
    category = _category(dbsession, value)
    pages = [f"/categories/{category.slug}"]
    section = get_section(registry, category.section)
    if section is not None:
        pages.append(section.prefix)
    count = dbsession.scalar(
        select(func.count()).where(Product.category_id == category.id)
    )
    return PurgePlan(
        mode,
        value,
        [f"category:{category.id}"],
        f"every page showing the category {category.name}, tagged "
        f"category:{category.id}",
        pages,
        more=count or 0,
    )


def run_purge(purger, plan: PurgePlan, actor: str) -> list[PurgeResult]:
    """Send the plan to the purger; returns its results."""
    if plan.mode == "url":
        return purger.purge_urls(plan.targets, actor)
    if plan.mode == "prefix":
        return purger.purge_prefix(plan.targets[0], actor)
    return purger.purge_keys(plan.targets, actor)
