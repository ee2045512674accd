"""The storefront's content pages, at ``/pages/<slug>``."""

from __future__ import annotations

import time

from pyramid.httpexceptions import HTTPNotFound
from pyramid.renderers import render_to_response

import emporium_content
from emporium.cache.render import render_page
from emporium.sections import get_section
from emporium.slots import PREVIEW_ENVIRON
from emporium_content.interfaces import IContentPages


def content_page(request):
    preview = request.environ.get(PREVIEW_ENVIRON)
    now = preview["as_of"] if preview else time.time()
    pages = request.registry.getUtility(IContentPages)
    record, changes_at = pages.page(request.matchdict["slug"], now, preview)
    if record is None:
        raise HTTPNotFound()
    request.section = get_section(request.registry, record["section"])
    if preview:
        # Read from the database, drafts included: never kept in the memo.
        return render_to_response(
            "content_page.pt", {"content": record}, request, package=emporium_content
        )
    return render_page(
        request,
        "content_page.pt",
        {"content": record},
        (record,),
        emporium_content,
        changes_at,
    )
