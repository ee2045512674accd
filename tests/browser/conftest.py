"""A real app server and Debian's Chromium driven by Playwright.

The browser is the distribution's (``/usr/bin/chromium``, installed with
apt-get when missing); Playwright never downloads one of its own.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from emporium.accounts.services import create_user
from emporium.interfaces import IPasswordHasher
from tests.conftest import build_database, make_settings
from tests.integration.appserver import app_server
from tests.services import ensure_debian_packages

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STAFF_PASSWORD = "merchandiser password"
ADMIN_EMAIL = "admin@example.com"


@pytest.fixture(scope="module")
def store_overrides() -> dict:
    """Settings a test module adds to the store's (themes, hosts)."""
    return {}


@pytest.fixture(scope="module")
def store(tmp_path_factory, store_overrides):
    """A seeded store in its own database, served by pserve on loopback; a
    merchandiser and an administrator account (both with STAFF_PASSWORD).
    Yields (base URL, settings, registry)."""
    workdir = tmp_path_factory.mktemp("browser-store")
    settings = make_settings(
        f"sqlite:///{workdir / 'store.sqlite'}",
        **{"emporium.admin.import_dir": str(workdir / "imports")},
        **store_overrides,
    )
    config = build_database(settings, products=60)
    registry = config.registry
    hasher = registry.getUtility(IPasswordHasher)
    with Session(registry["db.engine"]) as dbsession, dbsession.begin():
        create_user(
            dbsession,
            hasher,
            "merch@example.com",
            STAFF_PASSWORD,
            "Mia Merchandiser",
            roles="merchandiser",
        )
        create_user(
            dbsession,
            hasher,
            ADMIN_EMAIL,
            STAFF_PASSWORD,
            "Ada Administrator",
            roles="administrator",
        )
    with app_server(settings, workdir, threads=8) as port:
        yield f"http://127.0.0.1:{port}", settings, registry
    registry["db.engine"].dispose()


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module."""
    executable = ensure_debian_packages(["chromium", "chromium-driver"], CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile: its own cookies."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def screenshots(output_dir):
    folder = output_dir / "admin"
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str) -> None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return shoot
