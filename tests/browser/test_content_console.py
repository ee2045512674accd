"""A merchandiser schedules a home-page banner in a real browser, with the
store behind a real Varnish: creates it for a window a few seconds ahead,
finds it under Scheduled, previews the home page as of the window's start
and sees it there; shoppers, served by Varnish, do not see it yet, see it
once the window opens and no longer once it ends, with nothing purged
meanwhile (the page's cache lifetime ends at each window edge)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emporium.audit import AuditEntry
from tests.browser.test_admin_console import admin, log_in  # noqa: F401
from tests.integration.test_varnish import SECRET, varnish_server
from tests.services import free_port

pytestmark = pytest.mark.slow
# Seconds from the test's start to the window's: time for the editor to
# save and preview it, and for a shopper to see the page without it.
LEAD = 20
LENGTH = 6  # seconds the window stays open
STORE_TIME = "%Y-%m-%dT%H:%M:%S"  # the test store keeps its time zone at UTC


@pytest.fixture(scope="module")
def varnish_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def store_overrides(varnish_port):
    """The app purges the Varnish in front of it."""
    return {
        "emporium.session.secret": SECRET,
        "emporium.purge.proxies": f"http://127.0.0.1:{varnish_port}",
        "emporium.trusted_proxies": "127.0.0.1",
    }


@pytest.fixture(scope="module")
def proxy(store, varnish_port, tmp_path_factory):
    """Varnish with the shipped VCL in front of the store's app server."""
    app_port = int(store[0].rsplit(":", 1)[1])
    workdir = tmp_path_factory.mktemp("content-varnish")
    with varnish_server(app_port, workdir, SECRET, varnish_port) as port:
        yield f"http://127.0.0.1:{port}"


def as_a_shopper(browser, url: str) -> tuple[str, str]:
    """A first-time visitor's view of ``url`` (a fresh profile, so no
    browser cache): Varnish's X-Cache and the hero slot's text."""
    context = browser.new_context()
    try:
        page = context.new_page()
        response = page.goto(url)
        assert response.status == 200
        hero = page.locator(".slot-hero")
        return response.headers.get("x-cache", ""), (
            hero.inner_text() if hero.count() else ""
        )
    finally:
        context.close()


def until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 0.3)


def watch(browser, url: str, title: str, tries: int = 4) -> list[bool]:
    """Whether each of a few shoppers, a moment apart, sees ``title``: the
    first may still get the stale copy Varnish serves while it refetches."""
    seen = []
    for _ in range(tries):
        seen.append(title in as_a_shopper(browser, url)[1])
        time.sleep(0.3)
    return seen


def content_purges(registry) -> int:
    with Session(registry["db.engine"]) as dbsession:
        return dbsession.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.target.like("content:%"))
        )


def test_schedule_a_banner_preview_it_and_see_it_come_and_go_through_varnish(
    admin,  # noqa: F811
    browser,
    store,
    proxy,
    screenshots,
):
    base, _, registry = store
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD)
    ends = starts + timedelta(seconds=LENGTH)
    title = f"Flash sale {time.time_ns() % 10**6}"
    admin.goto(base + "/admin/content/new")
    admin.select_option("#f-kind", "banner")
    admin.fill("#f-slug", f"flash-sale-{time.time_ns() % 10**6}")
    admin.fill("#f-title", title)
    admin.fill("#f-link_url", "/books/")
    admin.fill("#f-page", "home")
    admin.select_option("#f-slot", "hero")
    admin.select_option("#f-state", "published")
    admin.fill("#f-starts_at", starts.strftime(STORE_TIME))
    admin.fill("#f-ends_at", ends.strftime(STORE_TIME))
    admin.click("form.content-form button[type=submit]")
    admin.wait_for_selector(".flash")
    screenshots(admin, "content-editor")
    admin.goto(base + "/admin/content")
    scheduled = admin.locator(
        "section.content-group", has=admin.locator("#status-scheduled")
    )
    assert title in scheduled.inner_text()
    admin.click(f"text={title}")
    assert admin.input_value("#p-as_of") == starts.strftime(STORE_TIME)
    admin.click("form.preview-form button[type=submit]")
    admin.wait_for_selector(".slot-hero")
    assert title in admin.locator(".slot-hero").inner_text()
    screenshots(admin, "content-preview")

    # Saved and published (its pages purged then); from here on the window
    # alone decides what Varnish serves.
    purged = content_purges(registry)
    assert datetime.now(UTC) < starts - timedelta(seconds=3), "the lead is too short"
    first = as_a_shopper(browser, proxy + "/")
    cache, hero = as_a_shopper(browser, proxy + "/")
    assert title not in first[1] and title not in hero
    assert cache == "HIT"
    until(starts)
    during = watch(browser, proxy + "/", title)
    assert during[-1] and all(during[1:]), during
    until(ends)
    after = watch(browser, proxy + "/", title)
    assert not any(after[1:]), after
    assert content_purges(registry) == purged
