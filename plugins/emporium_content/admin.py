"""The console's content screens: the list by status, the editor, versions
with their diff and revert, slot assignment per page, and the preview of
the storefront as of any moment (drafts included) in the real theme."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import select

from emporium.errors import InvalidInput
from emporium.interfaces import IThemeLookup
from emporium.sections import get_sections
from emporium.settings import setting_value
from emporium.slots import PREVIEW_ENVIRON, declared_slots
from emporium_content import writes
from emporium_content.models import KINDS, STATUSES, ContentItem

# (route, pattern, label in the navigation)
ROUTES = (
    ("admin.content", "/admin/content", "Content"),
    ("admin.content.new", "/admin/content/new", None),
    ("admin.content.item", r"/admin/content/{id:\d{1,18}}", None),
    ("admin.content.versions", r"/admin/content/{id:\d{1,18}}/versions", None),
    ("admin.content.slots", "/admin/content/slots", None),
    ("admin.content.preview", "/admin/content/preview", None),
)


def _zone(request):
    return setting_value(request.registry.settings, "emporium.timezone")


def _actor(request) -> str:
    user = request.identity
    return "anonymous" if user is None else f"user:{user.id} {user.email}"


def status_of(item: ContentItem, now: datetime) -> str:
    """Where a published item is in its window (a draft is a draft)."""
    if item.state != "published":
        return "draft"
    if item.starts_at is not None and now < item.starts_at:
        return "scheduled"
    if item.ends_at is not None and item.ends_at <= now:
        return "ended"
    return "live"


def theme_slots(request) -> list[str]:
    """The slot names the themes' and plugins' templates declare."""
    lookup = request.registry.getUtility(IThemeLookup)
    folders = [*lookup.directories, *lookup.shared_folders]
    folders += [folder for layer in lookup.plugin_layers.values() for folder in layer]
    folders += [s.templates for s in get_sections(request.registry) if s.templates]
    return declared_slots(folders)


def content_list(request):
    now = datetime.now(UTC)
    items = request.dbsession.scalars(select(ContentItem).order_by(ContentItem.slug))
    groups: dict[str, list] = {status: [] for status in STATUSES}
    for item in items:
        groups[status_of(item, now)].append(item)
    return request.admin_page(
        groups=groups, zone=_zone(request), local=writes.local_text
    )


def _form_values(request, item: ContentItem | None) -> dict:
    zone = _zone(request)
    if item is None:
        return {"kind": "banner", "state": "draft", "position": "0", "page": "home"}
    values = {name: getattr(item, name) for name in writes.FIELDS}
    values["starts_at"] = writes.local_text(item.starts_at, zone)
    values["ends_at"] = writes.local_text(item.ends_at, zone)
    values["product_ids"] = ", ".join(map(str, item.product_ids or ()))
    rule = item.rule or {}
    values["rule_section"] = rule.get("section", "")
    values["rule_max_price"] = (
        f"{rule['max_price'] / 100:.2f}" if rule.get("max_price") else ""
    )
    values["rule_limit"] = rule.get("limit", 4)
    return values


def _editor(request, item, values, errors=None, status=200):
    request.response.status = status
    return request.admin_page(
        item=item,
        values=values,
        errors=errors or {},
        kinds=KINDS,
        slots=theme_slots(request),
        sections=get_sections(request.registry),
        zone=_zone(request),
    )


def _item(request) -> ContentItem:
    item = request.dbsession.get(ContentItem, int(request.matchdict["id"]))
    if item is None:
        raise HTTPNotFound()
    return item


def edit_form(request):
    item = _item(request) if "id" in request.matchdict else None
    return _editor(request, item, _form_values(request, item))


def save(request):
    item = _item(request) if "id" in request.matchdict else None
    values = dict(request.POST)
    try:
        data = writes.parse_form(
            request.POST, request.registry, _zone(request), theme_slots(request)
        )
        item = writes.save(request.dbsession, item, data, _actor(request))
    except InvalidInput as exc:
        return _editor(request, item, values, {exc.field: exc.message}, 400)
    request.session.flash(f"Saved “{item.title}” (version {item.version}).")
    return HTTPSeeOther(request.route_path("admin.content.item", id=item.id))


def version_list(request):
    item = _item(request)
    versions = writes.versions(request.dbsession, item)
    diffs = {}
    for newer, older in zip(versions, versions[1:], strict=False):
        diffs[newer.number] = writes.diff(older.data, newer.data)
    return request.admin_page(item=item, versions=versions, diffs=diffs)


def revert(request):
    item = _item(request)
    number = request.POST.get("version", "")
    if not number.isdigit() or len(number) > 9:
        raise InvalidInput("version", "must be a version number")
    writes.revert(request.dbsession, item, int(number), _actor(request))
    request.session.flash(f"Reverted “{item.title}” to version {number}.")
    return HTTPSeeOther(request.route_path("admin.content.versions", id=item.id))


def slot_assignment(request):
    """What fills each slot of one page, in order, whatever its status."""
    page = request.GET.get("page", "home").strip()
    if not writes.PAGE.fullmatch(page):
        raise InvalidInput("page", "must be home, section:<name> or category:<slug>")
    now = datetime.now(UTC)
    items = request.dbsession.scalars(
        select(ContentItem)
        .where(ContentItem.page == page)
        .order_by(ContentItem.slot, ContentItem.position, ContentItem.id)
    )
    slots: dict[str, list] = {name: [] for name in theme_slots(request)}
    for item in items:
        slots.setdefault(item.slot, []).append((item, status_of(item, now)))
    pages = ["home", *(f"section:{s.name}" for s in get_sections(request.registry))]
    return request.admin_page(page=page, pages=pages, slots=slots)


def preview(request):
    """The storefront page at ``path`` as of ``as_of`` (store time), drafts
    included, rendered by the real views and theme; private, never cached."""
    path = request.GET.get("path", "/").strip() or "/"
    if not path.startswith("/") or path.startswith("//") or path.startswith("/admin"):
        raise InvalidInput(
            "path", "must be a storefront path such as / or /pages/gifts"
        )
    as_of = writes.parse_moment("as_of", request.GET.get("as_of", ""), _zone(request))
    moment = as_of.timestamp() if as_of else time.time()
    sub = Request.blank(path, base_url=request.application_url)
    sub.registry = request.registry
    sub.environ[PREVIEW_ENVIRON] = {"as_of": moment}
    answer = request.invoke_subrequest(sub, use_tweens=False)
    response = Response(
        body=answer.body, status=answer.status, content_type=answer.content_type
    )
    response.charset = answer.charset
    response.cache_control = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


VIEWS = (
    (content_list, "admin.content", "GET", "admin_content_list.pt"),
    (edit_form, "admin.content.new", "GET", "admin_content_edit.pt"),
    (save, "admin.content.new", "POST", "admin_content_edit.pt"),
    (edit_form, "admin.content.item", "GET", "admin_content_edit.pt"),
    (save, "admin.content.item", "POST", "admin_content_edit.pt"),
    (version_list, "admin.content.versions", "GET", "admin_content_versions.pt"),
    (revert, "admin.content.versions", "POST", None),
    (slot_assignment, "admin.content.slots", "GET", "admin_content_slots.pt"),
    (preview, "admin.content.preview", "GET", None),
)


def includeme(config: Configurator) -> None:
    for name, pattern, label in ROUTES:
        config.add_admin_route(name, pattern, label=label)
    for view, route, method, renderer in VIEWS:
        config.add_admin_view(
            view, route_name=route, request_method=method, renderer=renderer
        )
