"""A plugin author follows docs/tutorial.md: the commands are read from its
code blocks, so the tutorial cannot drift from what works.

The section is scaffolded into a temporary folder and installed into a
folder put on PYTHONPATH (the one liberty taken: ``pip install -e`` would
change the repository's virtualenv), enabled in a copy of development.ini,
migrated, seeded, indexed and served by ``pserve``. Its front, a product
page, the search facet and the admin's form answer over HTTP; its own
generated tests pass; disabled, its products vanish; downgraded, its tables
alone go; enabled and migrated again, no page shows a value from before.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.conftest import ROOT

TUTORIAL = ROOT / "docs" / "tutorial.md"
BIN = Path(sys.executable).parent
SECTION = "music"
ADMIN = ("author@example.com", "a long enough password 42")

pytestmark = pytest.mark.slow


def code_blocks(language: str) -> list[str]:
    """The tutorial's fenced blocks of ``language``, in order."""
    blocks = re.findall(r"^```(\w+)\n(.*?)^```", TUTORIAL.read_text(), re.M | re.S)
    return [body for kind, body in blocks if kind == language]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Cookies kept, redirects followed, a status instead of an error."""

    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar)
        )

    def open(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def page(self, path: str) -> BeautifulSoup:
        status, text = self.open(path)
        assert status == 200, f"{path}: {status}"
        return BeautifulSoup(text, "html.parser")

    def json(self, path: str) -> dict:
        status, text = self.open(path)
        assert status == 200, f"{path}: {status} {text[:500]}"
        return json.loads(text)


class Author:
    """Runs the tutorial's commands in a home folder of its own."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.src = home / "src"
        self.site = home / "site"
        self.cwd = home
        self.ini = home / "development.ini"
        self.port = free_port()
        self.env = dict(os.environ, PYTHONPATH=str(self.site))
        self.server: subprocess.Popen | None = None

    def write_ini(self, plugins_lines: str | None = None) -> None:
        """development.ini as shipped, on a port of its own, with
        ``plugins_lines`` (the tutorial's block) as its emporium.plugins."""
        text = (ROOT / "development.ini").read_text()
        text = text.replace("127.0.0.1:6543", f"127.0.0.1:{self.port}")
        themes = "%(here)s/themes"
        if themes in text:  # the checkout's themes folder, if it names one
            text = text.replace(themes, str(ROOT / "themes"))
        if plugins_lines is not None:
            text = re.sub(r"emporium\.plugins =\n(    \S+\n)+", plugins_lines, text)
        self.ini.write_text(text)
        (self.home / "var").mkdir(exist_ok=True)

    def run(self, line: str, stdin: str | None = None) -> str:
        line = line.replace("~/src", str(self.src))
        args = shlex.split(line.replace("development.ini", str(self.ini)))
        if args[0] == "cd":
            self.cwd = Path(args[1])
            return ""
        if args[0] == "pserve":
            self.serve()
            return ""
        if args[:3] == ["pip", "install", "-e"]:
            # Into a folder on PYTHONPATH: the repository's .venv stays as is.
            args = [sys.executable, "-m", "pip", "install", "--quiet",
                    "--no-deps", "--no-build-isolation", "--target",
                    str(self.site), args[3]]  # fmt: skip
        elif args[0] == "pytest":
            args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        elif args[0] == "emporium":
            args = [str(BIN / "emporium"), *args[1:]]
        else:
            raise AssertionError(f"the tutorial runs {line!r}: teach this test")
        result = subprocess.run(
            args, cwd=self.cwd, env=self.env, input=stdin,
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, (
            f"{line}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
        return result.stdout

    def follow(self, block: str) -> str:
        return "".join(self.run(line) for line in block.splitlines() if line.strip())

    def serve(self) -> None:
        self.stop()
        with open(self.home / "pserve.log", "ab") as log:
            self.server = subprocess.Popen(
                [str(BIN / "pserve"), str(self.ini)],
                cwd=self.home, env=self.env, stdout=log, stderr=log,
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.server.poll() is None, (self.home / "pserve.log").read_text()
            try:
                with urllib.request.urlopen(f"{self.base}/health", timeout=5):
                    return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.3)
        raise AssertionError("pserve did not answer within 120 s")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)
            self.server = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tables(self) -> set[str]:
        with sqlite3.connect(self.home / "var" / "emporium.sqlite") as db:
            rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return {name for (name,) in rows}


@pytest.fixture(scope="module")
def author(tmp_path_factory):
    """The tutorial's first two blocks of commands and its .ini line: the
    section scaffolded, installed, enabled, migrated, seeded, indexed and
    served."""
    author = Author(tmp_path_factory.mktemp("author"))
    scaffold, serve, *_ = code_blocks("shell")
    (plugins_lines,) = code_blocks("ini")
    assert plugins_lines.splitlines()[-1].strip() == SECTION
    author.write_ini()
    author.follow(scaffold)
    author.write_ini(plugins_lines)  # the one line in the .ini
    migrated, *_ = [author.run(line) for line in serve.splitlines()]
    assert f"section '{SECTION}' has facets (format): run emporium reindex" in migrated
    author.run(
        f"emporium create-admin development.ini --email {ADMIN[0]} --password-stdin",
        stdin=ADMIN[1] + "\n",
    )
    yield author
    author.stop()


def test_its_front_product_page_facet_and_admin_form_work(author):
    browser = Browser(author.base)
    front = browser.page(f"/{SECTION}/")
    assert front.select_one(".section-banner h1").get_text() == "Music"
    cards = front.select(f".{SECTION}-grid .product-card a")
    assert len(cards) == 12
    product = browser.page(cards[0]["href"])
    byline = product.select_one(".byline")
    assert byline.select_one(".maker").get_text().startswith("by ")
    formats = {"Standard", "Deluxe", "Collector's edition"}
    assert byline.select_one(".format").get_text() in formats

    found = browser.json(f"/api/v1/search?section={SECTION}")
    counts = {c["value"]: c["count"] for c in found["facets"]["format"]}
    assert set(counts) == formats and sum(counts.values()) == 200
    # Books' format is another facet: none of its values here, none of
    # these there.
    books = browser.json("/api/v1/search?section=books")
    assert not {c["value"] for c in books["facets"]["format"]} & formats
    deluxe = browser.json(f"/api/v1/search?section={SECTION}&format=Deluxe")
    assert deluxe["total"] == counts["Deluxe"]

    login = browser.page("/admin/login")
    token = login.select_one('input[name="csrf_token"]')["value"]
    email, password = ADMIN
    status, _ = browser.open(
        "/admin/login", {"csrf_token": token, "email": email, "password": password}
    )
    assert status == 200
    form = browser.page(f"/admin/products/new?section={SECTION}")
    names = {field.get("name") for field in form.select("input, select")}
    assert {"detail.maker", "detail.format", "detail.year"} <= names


def test_its_generated_tests_pass(author):
    *_, test_block, _ = code_blocks("shell")
    output = author.follow(test_block)
    assert re.search(r"\d+ passed", output) and "failed" not in output, output


def test_disabled_downgraded_and_enabled_again(author):
    browser = Browser(author.base)
    front = browser.page(f"/{SECTION}/")
    path = front.select(f".{SECTION}-grid .product-card a")[0]["href"]
    product_id = int(path.rstrip("/").rsplit("/", 1)[-1])
    product = browser.page(path)
    name = product.select_one("h1").get_text(strip=True)
    maker = product.select_one(".byline .maker").get_text()
    (plugins_lines,) = code_blocks("ini")
    without = plugins_lines.replace(f"    {SECTION}\n", "")

    # Disabled: its products are gone from the storefront, rows kept.
    author.write_ini(without)
    author.serve()
    assert browser.open(f"/{SECTION}/")[0] == 404
    assert browser.open(path)[0] == 404
    query = urllib.parse.urlencode({"q": name})
    assert product_id not in browser.json(f"/api/v1/search?{query}")["ids"]

    # Enabled and downgraded: its tables alone go (its own and its history's).
    author.write_ini(plugins_lines)
    before = author.tables()
    (downgrade,) = [b for b in code_blocks("shell") if "--downgrade" in b]
    author.follow(downgrade)
    gone = {f"{SECTION}_details", f"alembic_version_emporium_{SECTION}"}
    assert before - author.tables() == gone
    assert author.tables() - before == set()

    # Migrated again: an empty table, and no page shows the old fields.
    author.run("emporium migrate development.ini")
    author.serve()
    page = browser.page(path)
    assert page.select_one(".byline .maker") is None
    assert maker not in page.get_text()
