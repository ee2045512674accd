"""What shoppers see of the content: pages and slot entries through the
object cache, filtered by their publish windows at read time, so a page's
cache lifetime can end at the next window edge instead of a purge."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from sqlalchemy import select
from zope.interface import implementer

from emporium.cache.reading import CachedReads
from emporium.interfaces import IProductCatalog
from emporium.pagecache.record import note as note_page
from emporium.slots import ISlotFiller, SlotFill
from emporium_content.interfaces import IContentPages
from emporium_content.markdown import render
from emporium_content.models import ContentItem

PARTITION = "content"
TTL = 3600
# How long a page whose rule-based list could not be filled is cached.
RULE_RETRY = 60
log = logging.getLogger(__name__)


def page_key(slug: str) -> str:
    """Cache key and surrogate key of the page at ``/pages/<slug>``."""
    return f"content:page:{slug}"


def slots_key(page: str) -> str:
    """Cache key and surrogate key of what fills the slots of ``page``."""
    return f"content:slots:{page}"


def _stamp(moment) -> float | None:
    return None if moment is None else moment.timestamp()


def record_of(item: ContentItem) -> dict:
    """The flat, cacheable form of ``item``, its Markdown already rendered."""
    return {
        "id": item.id,
        "kind": item.kind,
        "slug": item.slug,
        "title": item.title,
        "html": render(item.body),
        "section": item.section,
        "seo_title": item.seo_title or item.title,
        "seo_description": item.seo_description,
        "image_url": item.image_url,
        "image_alt": item.image_alt,
        "link_url": item.link_url,
        "product_ids": list(item.product_ids or ()),
        "rule": dict(item.rule or {}),
        "slot": item.slot,
        "position": item.position,
        "state": item.state,
        "starts": _stamp(item.starts_at),
        "ends": _stamp(item.ends_at),
    }


def is_open(record: dict, now: float) -> bool:
    starts, ends = record["starts"], record["ends"]
    return (starts is None or starts <= now) and (ends is None or now < ends)


def next_edge(records: Iterable[dict], now: float) -> float | None:
    """The first window edge after ``now`` among ``records``."""
    edges = [
        moment
        for record in records
        for moment in (record["starts"], record["ends"])
        if moment is not None and moment > now
    ]
    return min(edges) if edges else None


def _earliest(*moments: float | None) -> float | None:
    known = [m for m in moments if m is not None]
    return min(known) if known else None


@implementer(ISlotFiller, IContentPages)
class ContentService(CachedReads):
    """Published content through the object cache (drafts too, from the
    database, for a preview). One instance per application."""

    def _read(self, *where, drafts: bool = False) -> list[dict]:
        query = select(ContentItem).where(*where)
        if not drafts:
            query = query.where(ContentItem.state == "published")
        query = query.order_by(ContentItem.position, ContentItem.id)
        with self.dbsession_factory() as dbsession:
            return [record_of(item) for item in dbsession.scalars(query)]

    def page(
        self, slug: str, now: float, preview=None
    ) -> tuple[dict | None, float | None]:
        """The page at ``slug`` if shoppers (or a preview) see it at ``now``,
        and when that changes."""
        if preview:
            found = self._read(ContentItem.slug == slug, drafts=True)
        else:
            found = self.cache.get(
                page_key(slug),
                lambda key: self._read(ContentItem.slug == slug),
            )
        found = [r for r in found if r["kind"] == "page"]
        note_page(
            (PARTITION,), keys=(page_key(slug),), changes_at=next_edge(found, now)
        )
        open_ = [r for r in found if is_open(r, now)]
        return (open_[0] if open_ else None), next_edge(found, now)

    def fill(self, page: str, now: float, preview=None) -> SlotFill:
        if preview:
            entries = self._read(ContentItem.page == page, drafts=True)
        else:
            entries = self.cache.get(
                slots_key(page), lambda key: self._read(ContentItem.page == page)
            )
        changes_at = next_edge(entries, now)
        sources: list = [entries]
        slots: dict[str, list[dict]] = {}
        catalog = self.registry.queryUtility(IProductCatalog)
        for record in entries:
            if not is_open(record, now):
                continue
            entry = dict(record, cards=())
            ids = self._product_ids(record)
            if ids and catalog is not None:
                cards = catalog.load_many(ids)
                entry["cards"] = cards
                for card in cards:
                    sources.extend(card.sources)
                moments = (card.changes_at for card in cards)
                changes_at = _earliest(
                    changes_at, *(m for m in moments if m and m > now)
                )
            slots.setdefault(record["slot"], []).append(entry)
        return SlotFill(
            slots=slots,
            sources=tuple(sources),
            keys=(slots_key(page),),
            partitions=(PARTITION,),
            changes_at=changes_at,
            preview=bool(preview),
        )

    def _product_ids(self, record: dict) -> list[int]:
        if record["kind"] == "picks":
            return record["product_ids"]
        if record["kind"] == "rule":
            return self._rule_ids(record["rule"])
        return []

    def _rule_ids(self, rule: dict) -> list[int]:
        """The newest products of a section under a price, from search;
        none while search is unavailable (the page then lives a minute)."""
        from emporium.search.conditions import SearchConditions
        from emporium.search.errors import SearchUnavailable
        from emporium.search.interfaces import ISearch

        search = self.registry.queryUtility(ISearch)
        if search is None:
            return []
        conditions = SearchConditions(
            section=rule.get("section") or None,
            price_max=rule.get("max_price"),
            sort="newest",
            per_page=int(rule.get("limit") or 4),
        )
        wanted = conditions.to_json()
        key = "content:rule:" + ":".join(
            str(wanted[name]) for name in ("section", "price_max", "per_page")
        )
        if rule.get("section"):
            note_page(keys=(f"listing:section:{rule['section']}",))
        try:
            return self.cache.get(key, lambda k: list(search.search(conditions).ids))
        except SearchUnavailable:
            log.warning("a slot's product list by rule is empty: search unavailable")
            note_page(changes_at=time.time() + RULE_RETRY)
            return []


def now() -> float:
    return time.time()
