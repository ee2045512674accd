"""A merchandiser schedules a home-page banner in a real browser: creates
it for a window that opens tomorrow, finds it under Scheduled, previews the
home page as of the window's start and sees it there, while the storefront
does not show it yet. (That the window then shows and hides it through
Varnish with no purge: tests/integration/test_content_varnish.py.)"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.test_admin_console import admin, log_in  # noqa: F401

pytestmark = pytest.mark.slow


def test_schedule_a_banner_and_preview_it_as_of_its_start(
    admin,  # noqa: F811
    context,
    store,
    screenshots,
):
    base = store[0]
    starts = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
    title = f"Holiday gift guide {time.time_ns() % 10**6}"
    admin.goto(base + "/admin/content/new")
    admin.select_option("#f-kind", "banner")
    admin.fill("#f-slug", f"gift-guide-{time.time_ns() % 10**6}")
    admin.fill("#f-title", title)
    admin.fill("#f-link_url", "/books/")
    admin.fill("#f-page", "home")
    admin.select_option("#f-slot", "hero")
    admin.select_option("#f-state", "published")
    # The test store keeps its time zone at UTC.
    admin.fill("#f-starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    admin.fill("#f-ends_at", (starts + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    admin.click("form.content-form button[type=submit]")
    admin.wait_for_selector(".flash")
    screenshots(admin, "content-editor")
    admin.goto(base + "/admin/content")
    scheduled = admin.locator(
        "section.content-group", has=admin.locator("#status-scheduled")
    )
    assert title in scheduled.inner_text()
    admin.goto(base + "/admin/content")
    admin.click(f"text={title}")
    admin.click("form.preview-form button[type=submit]")
    admin.wait_for_selector(".slot-hero")
    assert title in admin.locator(".slot-hero").inner_text()
    screenshots(admin, "content-preview")
    shopper = context.new_page()
    shopper.goto(base + "/")
    assert title not in shopper.content()
