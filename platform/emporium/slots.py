"""Slots: named places on storefront pages that a theme declares in its
templates and a plugin fills (docs/content.md).

A page is named ``home``, ``section:<name>`` or ``category:<slug>``. The
view that renders it passes that name to ``render_page``, which asks the
``ISlotFiller`` utility (when a plugin registers one) what each slot shows
as of now. The fill carries the cached values it came from (so the render
memo reuses the page only while they are the same objects), the surrogate
keys that purge it, and the moment it changes by itself (a window opening
or closing), which caps the page's cache lifetime as a sale price does.

A theme declares a slot by placing it in a template::

    <tal:slot define="slot request.slots.get('hero')" condition="slot">
      <metal:m use-macro="theme['slot.pt'].macros['slot']"/>
    </tal:slot>

Without a filler ``request.slots`` is empty and the page is as before.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from zope.interface import Interface

from emporium.pagecache import record as page_record

HOME = "home"
# A slot's name as a theme's template spells it: request.slots.get('hero').
_DECLARED = re.compile(r"""slots\.get\(\s*['"]([a-z0-9][a-z0-9_-]{0,39})['"]\s*\)""")


class ISlotFiller(Interface):
    """What the slots of a storefront page show (one utility, from a
    content plugin)."""

    def fill(page, now, preview=None):
        """Return the ``SlotFill`` of ``page`` (``home``,
        ``section:<name>``, ``category:<slug>``) as of ``now`` (epoch
        seconds). ``preview``, given only by a private preview response,
        says to read the database and include drafts."""


@dataclass(frozen=True)
class SlotFill:
    """What a page's slots show: per slot name, a list of entries (plain
    dicts the slot templates read), and what the page cache needs."""

    slots: dict[str, list[dict]] = field(default_factory=dict)
    sources: tuple[Any, ...] = ()
    keys: tuple[str, ...] = ()
    partitions: tuple[str, ...] = ()
    changes_at: float | None = None
    preview: bool = False

    def get(self, name: str) -> list[dict]:
        """The entries of slot ``name`` (empty: the theme shows nothing)."""
        return self.slots.get(name, [])

    def __bool__(self) -> bool:
        return bool(self.slots)


EMPTY = SlotFill()


def section_page(section) -> str:
    """The page name of a section's front: the store at ``/`` is ``home``."""
    return HOME if section.prefix == "/" else f"section:{section.name}"


def category_page(slug: str) -> str:
    return f"category:{slug}"


def fill_page(request, page: str) -> SlotFill:
    """The slots of ``page`` for ``request``: noted in the page record and
    kept as ``request.slots`` for the templates."""
    filler = request.registry.queryUtility(ISlotFiller)
    if filler is None:
        return EMPTY
    preview = request.environ.get(PREVIEW_ENVIRON)
    now = preview["as_of"] if preview else time.time()
    fill = filler.fill(page, now, preview)
    page_record.note(
        partitions=fill.partitions, keys=fill.keys, changes_at=fill.changes_at
    )
    request.slots = fill
    return fill


# Set by a preview view on the request it builds itself (never from HTTP):
# {"as_of": epoch seconds}. The response is private and never cached.
PREVIEW_ENVIRON = "emporium.slots.preview"


def declared_slots(folders: Iterable[str]) -> list[str]:
    """The slot names the templates under ``folders`` declare, sorted."""
    names: set[str] = set()
    for folder in folders:
        for directory, _subdirs, files in os.walk(folder):
            for name in files:
                if name.endswith(".pt"):
                    with open(os.path.join(directory, name), encoding="utf-8") as f:
                        names.update(_DECLARED.findall(f.read()))
    return sorted(names)


def includeme(config) -> None:
    config.add_request_method(lambda request: EMPTY, "slots", reify=True)
