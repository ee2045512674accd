"""Purging pages from the proxy tier: the embedded default's purger, and
the plan an emergency purge shows before it runs.

With no proxy configured (the embedded default) a purge is recorded in the
audit log and logged, so that the console behaves the same everywhere; the
proxy tier's purger replaces this one by registering its own ``IPurger``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session
from zope.interface import implementer

from emporium.audit import record
from emporium.errors import InvalidInput
from emporium.interfaces import IPurger
from emporium.sections import get_section, get_sections

log = logging.getLogger(__name__)

NO_PROXY = "recorded, no proxy configured"
MODES = {
    "url": "One URL",
    "prefix": "Every URL under a prefix",
    "product": "Every page showing a product",
    "category": "Every page showing a category",
}
MAX_URL = 2000
SAMPLE = 20


@dataclass(frozen=True)
class PurgeResult:
    """What one proxy answered for one URL, prefix or key."""

    proxy: str
    target: str
    ok: bool
    message: str


@implementer(IPurger)
class RecordingPurger:
    """The purger of the embedded default: there is no proxy to tell, so each
    purge is written to the audit log and logged."""

    proxy = "none"

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self.sessions = sessions

    def purge_urls(self, urls: Iterable[str], actor: str) -> list[PurgeResult]:
        return self._record("purge.url", urls, actor)

    def purge_keys(self, keys: Iterable[str], actor: str) -> list[PurgeResult]:
        return self._record("purge.key", keys, actor)

    def purge_prefix(self, prefix: str, actor: str) -> list[PurgeResult]:
        """Every URL that starts with ``prefix`` (a ban, in Varnish terms)."""
        return self._record("purge.prefix", [prefix], actor)

    def _record(self, action: str, targets: Iterable[str], actor: str) -> list:
        targets = list(dict.fromkeys(targets))
        if not targets:
            return []
        # A session of its own: a purge is audited even when it runs after
        # the request's transaction committed.
        with self.sessions() as dbsession, dbsession.begin():
            for target in targets:
                record(dbsession, actor, action, target, result=NO_PROXY)
        for target in targets:
            log.info("%s %s by %s: %s", action, target, actor, NO_PROXY)
        return [PurgeResult(self.proxy, t, True, NO_PROXY) for t in targets]


def register_default_purger(config) -> None:
    """Register the recording purger unless another ``IPurger`` is there."""
    registry = config.registry

    def register() -> None:
        if registry.queryUtility(IPurger) is None:
            registry.registerUtility(
                RecordingPurger(registry["dbsession_factory"]), IPurger
            )

    # Late in the commit, so that a purger registered beside us wins.
    config.action("emporium_admin.default_purger", register, order=10)


def result_rows(results: Iterable) -> list[dict]:
    """Any implementation's results as rows for the page: proxy, target,
    whether it worked and what the proxy said."""
    rows = []
    for result in results or ():
        ok = getattr(result, "ok", None)
        if ok is None:
            status = getattr(result, "status", None)
            ok = isinstance(status, int) and 200 <= status < 300
        rows.append(
            {
                "proxy": str(getattr(result, "proxy", "") or "-"),
                "target": str(
                    getattr(result, "target", None)
                    or getattr(result, "url", None)
                    or getattr(result, "key", "")
                ),
                "ok": bool(ok),
                "message": str(
                    getattr(result, "message", None)
                    or getattr(result, "status", None)
                    or ""
                ),
            }
        )
    return rows


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


def run_purge(purger, plan: PurgePlan, actor: str) -> list:
    """Send the plan to the purger; returns its results."""
    if plan.mode == "url":
        return purger.purge_urls(plan.targets, actor)
    if plan.mode == "prefix":
        purge_prefix = getattr(purger, "purge_prefix", None)
        if purge_prefix is not None:
            return purge_prefix(plan.targets[0], actor)
        # A purger without bans: the known pages under the prefix, one by one.
        return purger.purge_urls(plan.pages, actor)
    return purger.purge_keys(plan.targets, actor)
