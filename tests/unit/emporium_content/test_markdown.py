"""Editors' Markdown is rendered harmless: known XSS payloads come out with
no script, no event handler, no javascript: link and no style."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from emporium_content.markdown import render, sanitize

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="color:red">red</p>',
    "<style>body{display:none}</style>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
]

_EXECUTING_TAGS = {
    "script", "style", "iframe", "object", "embed", "svg", "math", "form",
    "input", "meta", "base", "body", "details", "link",
}  # fmt: skip
_URL_ATTRIBUTES = {"href", "src", "action", "data", "xlink:href", "formaction"}


class _Elements(HTMLParser):
    """What a browser would build from the HTML: tags and their attributes
    (entities decoded), never the escaped text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _EXECUTING_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            scheme = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on") or name == "style":
                self.found.append(f"{tag} {name}")
            elif name in _URL_ATTRIBUTES and scheme.startswith(
                ("javascript:", "vbscript:", "data:")
            ):
                self.found.append(f"{tag} {name}={value}")


def dangers(html: str) -> list[str]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_known_payload_is_rendered_harmless(payload):
    html = render(payload)
    assert dangers(html) == [], html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_sanitizer_alone_removes_what_raw_html_would_carry(payload):
    html = sanitize(payload)
    assert dangers(html) == [], html


def test_the_pattern_finds_what_it_is_meant_to():
    # The check above could not fail if the pattern matched nothing.
    for raw in PAYLOADS[:9]:
        assert dangers(raw), raw


def test_markdown_keeps_what_editors_write():
    html = render("## Gifts\n\n*Great* [ideas](/books/) and [more](https://ex.example)")
    assert "<h2>Gifts</h2>" in html
    assert "<em>Great</em>" in html
    assert '<a href="/books/" rel="noopener noreferrer">ideas</a>' in html
    assert 'href="https://ex.example"' in html
