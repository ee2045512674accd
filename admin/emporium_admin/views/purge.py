"""The emergency purge: choose what, see what it will hit, purge; and the
audit log of purges and edits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from emporium.audit import AuditEntry
from emporium.errors import InvalidInput
from emporium.interfaces import IPurger
from emporium.purge.plans import plan_purge, purge_modes, run_purge
from emporium_admin.resources import actor_of
from emporium_admin.views import page, query_int

AUDIT_PAGE = 100
ACTION_GROUPS = ("purge", "product", "category", "catalog", "admin")


def purge_form(request):
    """The form, and with ``?target=`` the preview of what will be purged."""
    mode = request.GET.get("mode", "url")
    target = request.GET.get("target", "")
    plan, errors, status = None, {}, 200
    if "target" in request.GET:
        try:
            plan = plan_purge(request, mode, target)
        except InvalidInput as exc:
            errors[exc.field] = exc.message
            status = 400
    request.response.status = status
    return page(
        request,
        modes=purge_modes(request.registry),
        mode=mode,
        target=target,
        plan=plan,
        errors=errors,
        results=None,
    )


def purge(request):
    mode = request.POST.get("mode", "")
    target = request.POST.get("target", "")
    try:
        plan = plan_purge(request, mode, target)
    except InvalidInput as exc:
        request.response.status = 400
        return page(
            request,
            modes=purge_modes(request.registry),
            mode=mode,
            target=target,
            plan=None,
            errors={exc.field: exc.message},
            results=None,
        )
    purger = request.registry.getUtility(IPurger)
    actor = actor_of(request)
    # Everything the page needs from the session is read before the commit.
    values = page(
        request,
        modes=purge_modes(request.registry),
        mode=mode,
        target=target,
        plan=plan,
    )
    # Commit what the request did before telling the proxies: a purger
    # audits in a session of its own, and a purge must never wait on us.
    request.tm.commit()
    try:
        results = run_purge(request, purger, plan, actor)
    finally:
        request.tm.begin()
    # The page shows each proxy's answer, a failure among them included.
    return values | {"results": results, "purged_at": datetime.now(UTC)}


def audit_log(request):
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("actor", "").strip()[:300]
    target = request.GET.get("target", "").strip()[:300]
    query = select(AuditEntry)
    if action:
        if action not in ACTION_GROUPS:
            raise InvalidInput("action", f"must be one of: {', '.join(ACTION_GROUPS)}")
        query = query.where(AuditEntry.action.startswith(action + "."))
    if actor:
        query = query.where(AuditEntry.actor.contains(actor, autoescape=True))
    if target:
        query = query.where(AuditEntry.target == target)
    day = request.GET.get("date", "").strip()
    if day:
        try:
            start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise InvalidInput("date", "must be a date such as 2026-12-01") from None
        query = query.where(
            AuditEntry.at >= start, AuditEntry.at < start + timedelta(days=1)
        )
    after = query_int(request, "after")
    if after is not None:
        query = query.where(AuditEntry.id < after)
    rows = list(
        request.dbsession.scalars(
            query.order_by(AuditEntry.id.desc()).limit(AUDIT_PAGE + 1)
        )
    )
    more = len(rows) > AUDIT_PAGE
    rows = rows[:AUDIT_PAGE]
    keep = {
        k: request.GET[k]
        for k in ("action", "actor", "target", "date")
        if request.GET.get(k)
    }
    return page(
        request,
        entries=rows,
        groups=ACTION_GROUPS,
        action=action,
        actor=actor,
        target=target,
        date=day,
        next_url=request.route_path("admin.audit", _query=keep | {"after": rows[-1].id})
        if more
        else None,
    )
