"""Saving content: one parse of the editor's form, checked whole before
anything is written (nothing is half saved), a version kept per save, and
every save, publish and revert in the audit log. Purges and cache
invalidation follow the commit (``register_purge_keys`` and
``register_cache_keys`` in ``includeme``)."""

from __future__ import annotations

import difflib
import json
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from emporium import audit
from emporium.errors import InvalidInput
from emporium.sections import get_section
from emporium_content.models import (
    FIELDS,
    KINDS,
    SLOT_KINDS,
    STATES,
    ContentItem,
    ContentVersion,
)
from emporium_content.services import page_key, slots_key

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")
PAGE = re.compile(r"home|section:[a-z0-9_-]{1,60}|category:[a-z0-9-]{1,120}")
_TEXT_LIMITS = {
    "title": 200,
    "seo_title": 200,
    "seo_description": 300,
    "image_alt": 200,
}
_MOMENT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


def parse_moment(field: str, text: str, zone) -> datetime | None:
    """A moment the editor typed in the store's time zone, as UTC."""
    text = (text or "").strip()
    if not text:
        return None
    for layout in _MOMENT_FORMATS:
        try:
            local = datetime.strptime(text, layout)
        except ValueError:
            continue
        return local.replace(tzinfo=zone).astimezone(UTC)
    raise InvalidInput(
        field, f"{text!r} is not a date and time such as 2026-12-04T09:00"
    )


def local_text(moment: datetime | None, zone) -> str:
    """``moment`` as the editor's form shows it, in the store's time zone (to
    the minute, or to the second when it has seconds: saved again, it stays)."""
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")


def _url(field: str, text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    if text.startswith("/") and not text.startswith("//"):
        return text
    if re.match(r"https?://[^\s/]", text):
        return text
    raise InvalidInput(
        field, "must be a path on this site (/books/) or an http(s) address"
    )


def parse_form(form, registry, zone, slots: list[str]) -> dict:
    """The values of an editor's form, checked; ``InvalidInput`` names the
    first field at fault."""
    data: dict = {}
    kind = form.get("kind", "")
    if kind not in KINDS:
        raise InvalidInput("kind", f"must be one of {', '.join(KINDS)}")
    data["kind"] = kind
    slug = form.get("slug", "").strip()
    if not SLUG.fullmatch(slug):
        raise InvalidInput(
            "slug", "use lower-case letters, digits and dashes (gift-ideas)"
        )
    data["slug"] = slug
    title = form.get("title", "").strip()
    if not title:
        raise InvalidInput("title", "is required")
    data["title"] = title
    for name, limit in _TEXT_LIMITS.items():
        value = form.get(name, "").strip() if name != "title" else title
        if len(value) > limit:
            raise InvalidInput(name, f"must be at most {limit} characters")
        data[name] = value
    data["body"] = form.get("body", "")
    section = form.get("section", "").strip() or None
    if section is not None and get_section(registry, section) is None:
        raise InvalidInput("section", f"no section is named {section!r}")
    data["section"] = section
    data["image_url"] = _url("image_url", form.get("image_url", ""))
    data["link_url"] = _url("link_url", form.get("link_url", ""))
    if data["image_url"] and not data["image_alt"]:
        raise InvalidInput(
            "image_alt", "describe the image for people who cannot see it"
        )
    data["product_ids"] = _ids(form.get("product_ids", ""))
    data["rule"] = _rule(form, registry) if kind == "rule" else {}
    if kind == "picks" and not data["product_ids"]:
        raise InvalidInput("product_ids", "name at least one product id")
    page = form.get("page", "").strip() or None
    slot = form.get("slot", "").strip() or None
    if kind in SLOT_KINDS:
        if page is None or not PAGE.fullmatch(page):
            raise InvalidInput(
                "page", "must be home, section:<name> or category:<slug>"
            )
        if slot not in slots:
            raise InvalidInput(
                "slot", f"must be a slot the theme declares: {', '.join(slots)}"
            )
    else:
        page = slot = None
    data["page"], data["slot"] = page, slot
    position = form.get("position", "0").strip() or "0"
    if not re.fullmatch(r"-?\d{1,6}", position):
        raise InvalidInput("position", "must be a whole number")
    data["position"] = int(position)
    state = form.get("state", "draft")
    if state not in STATES:
        raise InvalidInput("state", f"must be one of {', '.join(STATES)}")
    data["state"] = state
    data["starts_at"] = parse_moment("starts_at", form.get("starts_at", ""), zone)
    data["ends_at"] = parse_moment("ends_at", form.get("ends_at", ""), zone)
    if data["starts_at"] and data["ends_at"] and data["ends_at"] <= data["starts_at"]:
        raise InvalidInput(
            "ends_at", "must be after the start of the window (starts_at)"
        )
    return data


def _ids(text: str) -> list[int]:
    ids = []
    for part in re.split(r"[\s,]+", text.strip()):
        if not part:
            continue
        if not part.isdigit() or len(part) > 18:
            raise InvalidInput("product_ids", f"{part!r} is not a product id")
        ids.append(int(part))
    if len(ids) > 24:
        raise InvalidInput("product_ids", "name at most 24 products")
    return list(dict.fromkeys(ids))


def _rule(form, registry) -> dict:
    section = form.get("rule_section", "").strip()
    if get_section(registry, section) is None:
        raise InvalidInput("rule_section", f"no section is named {section!r}")
    rule: dict = {"section": section, "limit": 4}
    price = form.get("rule_max_price", "").strip()
    if price:
        try:
            amount = Decimal(price)
        except InvalidOperation:
            amount = Decimal(-1)
        if not amount.is_finite() or amount <= 0 or amount > 1_000_000:
            raise InvalidInput("rule_max_price", "must be a price such as 20 or 19.99")
        rule["max_price"] = int(amount * 100)
    limit = form.get("rule_limit", "4").strip() or "4"
    if not limit.isdigit() or not 1 <= int(limit) <= 12:
        raise InvalidInput("rule_limit", "must be a whole number from 1 to 12")
    rule["limit"] = int(limit)
    return rule


def snapshot(item: ContentItem) -> dict:
    """``item``'s fields as a version keeps them (moments as ISO text)."""
    data = {}
    for name in FIELDS:
        value = getattr(item, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    return data


def _restore(data: dict) -> dict:
    restored = dict(data)
    for name in ("starts_at", "ends_at"):
        if restored.get(name):
            restored[name] = datetime.fromisoformat(restored[name])
    return restored


def _check_slug(dbsession: Session, slug: str, item_id: int | None) -> None:
    clash = dbsession.scalar(select(ContentItem).where(ContentItem.slug == slug))
    if clash is not None and clash.id != item_id:
        raise InvalidInput("slug", f"{slug!r} is already used by “{clash.title}”")


def save(
    dbsession: Session, item: ContentItem | None, data: dict, actor: str
) -> ContentItem:
    """Create or change an item from checked ``data``, keep a version, and
    audit it (``content.publish`` when it becomes published)."""
    _check_slug(dbsession, data["slug"], item.id if item else None)
    was_published = item is not None and item.state == "published"
    if item is None:
        item = ContentItem(version=0)
        dbsession.add(item)
    for name, value in data.items():
        setattr(item, name, value)
    item.version = (item.version or 0) + 1
    dbsession.flush()
    dbsession.add(
        ContentVersion(
            item_id=item.id, number=item.version, actor=actor, data=snapshot(item)
        )
    )
    publishing = item.state == "published" and not was_published
    action = "content.publish" if publishing else "content.update"
    audit.record(dbsession, actor, action, f"content:{item.slug}", version=item.version)
    return item


def revert(
    dbsession: Session, item: ContentItem, number: int, actor: str
) -> ContentItem:
    """Make ``item`` what version ``number`` was, as a new version."""
    version = dbsession.scalar(
        select(ContentVersion).where(
            ContentVersion.item_id == item.id, ContentVersion.number == number
        )
    )
    if version is None:
        raise InvalidInput("version", f"{item.slug} has no version {number}")
    data = _restore(version.data)
    _check_slug(dbsession, data["slug"], item.id)
    for name in FIELDS:
        setattr(item, name, data.get(name))
    item.version += 1
    dbsession.flush()
    dbsession.add(
        ContentVersion(
            item_id=item.id, number=item.version, actor=actor, data=snapshot(item)
        )
    )
    audit.record(
        dbsession,
        actor,
        "content.revert",
        f"content:{item.slug}",
        version=item.version,
        to=number,
    )
    return item


def versions(dbsession: Session, item: ContentItem) -> list[ContentVersion]:
    return list(
        dbsession.scalars(
            select(ContentVersion)
            .where(ContentVersion.item_id == item.id)
            .order_by(ContentVersion.number.desc())
        )
    )


def diff(older: dict, newer: dict) -> list[str]:
    """A line diff of two versions' fields."""

    def lines(data: dict) -> list[str]:
        out = []
        for name in FIELDS:
            value = data.get(name)
            text = value if isinstance(value, str) else json.dumps(value)
            out += [f"{name}: {line}" for line in (text or "").splitlines() or [""]]
        return out

    return list(
        difflib.unified_diff(
            lines(older), lines(newer), "before", "after", lineterm="", n=1
        )
    )


def count(dbsession: Session) -> int:
    return dbsession.scalar(select(func.count(ContentItem.id))) or 0


def _history(instance, name: str) -> list:
    history = inspect(instance).attrs[name].history
    return [
        v
        for v in (*history.deleted, *history.unchanged, *history.added)
        if v is not None
    ]


def changed_keys(instance, registry) -> list[str]:
    """What a saved item makes wrong: its page or its page's slots, under the
    old and the new name. Used for cache keys and, when it is or was
    published, for surrogate keys."""
    if not isinstance(instance, ContentItem):
        return []
    keys = [page_key(slug) for slug in _history(instance, "slug")]
    keys += [slots_key(page) for page in _history(instance, "page")]
    return keys


def purge_keys(instance, registry) -> list[str]:
    if not isinstance(instance, ContentItem) or "published" not in _history(
        instance, "state"
    ):
        return []
    return changed_keys(instance, registry)
