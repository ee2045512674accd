"""Editors' Markdown to HTML that is safe to serve: markdown-it-py renders
(raw HTML in the text is escaped, not passed through), then nh3 keeps only
an allow-list of tags and attributes (no script, no event handlers, no
``style``, links only to http, https, mailto and the site's own paths), so
the Content-Security-Policy stays as it is."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr",
    "img", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}
_SCHEMES = {"http", "https", "mailto"}


def sanitize(html: str) -> str:
    """``html`` with only the allowed tags, attributes and link schemes."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render(text: str) -> str:
    """The safe HTML of an editor's Markdown ``text``."""
    return sanitize(_MARKDOWN.render(text or ""))
