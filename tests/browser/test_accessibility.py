"""WCAG 2.1 AA on every page type, on every shipped theme, in a real
browser: axe-core finds no violation, the page renders in standards mode,
the skip link is the first stop, nothing scrolls sideways at 320 CSS px
(a data table scrolls in its own container); and a purchase by keyboard
alone, the checkout's errors tied to their fields, the chosen section and
facet announced, the traffic charts readable as tables.

``make a11y`` runs this module; ``make a11y THEME=name THEMES_DIR=folder``
checks a theme of one's own (served on host ``name.localhost``).
See docs/accessibility.md.
"""

from __future__ import annotations

import os

import pytest

from emporium.search.indexing import rebuild
from emporium.search.services import index_directory
from tests.browser import pagestates
from tests.browser.axe import audit, describe
from tests.browser.conftest import ADMIN_EMAIL, STAFF_PASSWORD
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

THEMES = os.environ.get("EMPORIUM_A11Y_THEMES", "default partner").split()
EXTRA_DIRS = os.environ.get("EMPORIUM_A11Y_THEME_DIRS", "").split()
NARROW = 320

# The widest elements of a page that scrolls sideways, outside any
# container that scrolls on its own.
OVERFLOW = """(limit) => {
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll") return true;
    }
    return false;
  };
  return [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > limit + 0.5 && !scrolls(el))
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : "")
      + " to " + Math.round(el.getBoundingClientRect().right) + "px");
}"""


FIRST_STOP = """() => {
  const stops = "a[href], button, input:not([type=hidden]), select, textarea,"
    + " [tabindex]";
  const first = [...document.querySelectorAll(stops)]
    .find((el) => el.tabIndex >= 0);
  return first ? first.getAttribute("href") : null;
}"""


@pytest.fixture(scope="module")
def store_overrides():
    hosts = "\n".join(f"{theme}.localhost = {theme}" for theme in THEMES)
    return {
        "emporium.themes.directories": " ".join([str(ROOT / "themes"), *EXTRA_DIRS]),
        "emporium.themes.hosts": hosts,
    }


@pytest.fixture(scope="module")
def catalog(store):
    registry = store[2]
    rebuild(registry, index_directory(registry.settings))
    return pagestates.catalog_of(registry)


def base_for(store, theme: str) -> str:
    """The default theme on the plain address, any other on its host
    (Chromium resolves every *.localhost to loopback)."""
    base = store[0]
    if theme == "default":
        return base
    return base.replace("127.0.0.1", f"{theme}.localhost")


@pytest.fixture(scope="module")
def staff(browser, store):
    """One logged-in administrator context per theme host."""
    contexts = {}

    def for_theme(theme):
        if theme not in contexts:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(30_000)
            page = context.new_page()
            page.goto(base_for(store, theme) + "/admin/login")
            page.fill("#email", ADMIN_EMAIL)
            page.fill("#password", STAFF_PASSWORD)
            page.click("form.admin-form button[type=submit]")
            page.wait_for_selector(".admin-nav")
            page.close()
            contexts[theme] = context
        return contexts[theme]

    yield for_theme
    for context in contexts.values():
        context.close()


def check_page(page) -> list[str]:
    """What fails on the page as it stands: standards mode, the skip link
    first, axe's violations, and reflow at 320 CSS px."""
    problems = []
    mode = page.evaluate("document.compatMode")
    if mode != "CSS1Compat":
        problems.append(f"renders in quirks mode ({mode}): no doctype sent")
    if page.evaluate("document.activeElement === document.body"):
        page.keyboard.press("Tab")
        first = page.evaluate("document.activeElement.getAttribute('href')")
    else:
        # A page that moved the focus itself (the checkout's error summary):
        # the skip link is still the first stop in the document's order.
        first = page.evaluate(FIRST_STOP)
    if first != "#content":
        problems.append(f"the first Tab stop is {first!r}, not a skip link to #content")
    violations = audit(page)
    if violations:
        problems.append(
            f"axe: {sum(len(v['nodes']) for v in violations)} nodes in "
            f"{len(violations)} rules\n{describe(violations)}"
        )
    page.set_viewport_size({"width": NARROW, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > NARROW:
        wide = page.evaluate(OVERFLOW, NARROW)
        problems.append(f"scrolls sideways at {NARROW} px: {width} px wide; {wide}")
    return problems


@pytest.mark.parametrize("state", list(pagestates.STOREFRONT))
@pytest.mark.parametrize("theme", THEMES)
def test_storefront_page(state, theme, context, store, catalog):
    page = context.new_page()
    pagestates.STOREFRONT[state](page, base_for(store, theme), catalog)
    problems = check_page(page)
    assert not problems, f"{theme} {state} {page.url}:\n" + "\n".join(problems)


@pytest.mark.parametrize("state", list(pagestates.ADMIN))
@pytest.mark.parametrize("theme", THEMES)
def test_admin_screen(state, theme, staff, store, catalog):
    page = staff(theme).new_page()
    try:
        pagestates.ADMIN[state](page, base_for(store, theme), catalog)
        problems = check_page(page)
    finally:
        page.close()
    assert not problems, f"{theme} admin {state} {page.url}:\n" + "\n".join(problems)


def focus_visible(page) -> bool:
    """The focused element shows an outline (the focus ring)."""
    return page.evaluate(
        """() => {
          const style = getComputedStyle(document.activeElement);
          return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
        }"""
    )


def tab_to(page, matches: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches the selector; each stop
    on the way shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        tag = page.evaluate("document.activeElement.tagName")
        assert tag != "BODY", "focus fell off the page"
        assert focus_visible(page), f"no visible focus on {tag} at {page.url}"
        if page.evaluate("(s) => document.activeElement.matches(s)", matches):
            return
    raise AssertionError(f"{matches} not reached in {limit} Tab presses on {page.url}")


@pytest.mark.parametrize("theme", THEMES)
def test_purchase_with_the_keyboard_alone(theme, context, store, catalog):
    base = base_for(store, theme)
    page = context.new_page()
    page.goto(f"{base}/products/{catalog.products['store']}")
    # The skip link is the first stop, and Enter lands past the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#content"
    assert focus_visible(page)
    page.keyboard.press("Enter")
    tab_to(page, "form.buy-form button[type=submit]")
    assert page.evaluate("document.activeElement.closest('header')") is None
    page.keyboard.press("Enter")
    page.wait_for_url("**/cart")
    tab_to(page, "a[href='/checkout']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/checkout")
    for name, value in pagestates.CARD.items():
        tab_to(page, f"[name='{name}']")
        page.keyboard.type(value)
    tab_to(page, "form.checkout-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".order-number")
    assert "Thank you" in page.inner_text("h1")


def test_checkout_errors_are_tied_to_their_fields(context, store, catalog):
    page = context.new_page()
    pagestates.STOREFRONT["checkout-with-errors"](page, store[0], catalog)
    errors = page.locator(".field-error")
    count = errors.count()
    assert count >= 5
    assert page.title().startswith(f"{count} errors"), page.title()
    summary = page.locator("[role=alert].error-summary")
    assert summary.count() == 1
    # The summary has the focus, so it is read out first, and links each field.
    assert page.evaluate("document.activeElement.matches('.error-summary')")
    assert summary.locator("a").count() == count
    for index in range(count):
        error = errors.nth(index)
        field = page.locator(f"[name='{error.get_attribute('data-field')}']")
        assert field.get_attribute("aria-invalid") == "true"
        described = (field.get_attribute("aria-describedby") or "").split()
        assert error.get_attribute("id") in described
    # A field put right loses its error on the next try.
    page.fill("[name=email]", "shopper@example.com")
    page.click("form.checkout-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[name=email]").get_attribute("aria-invalid") is None
    assert page.title().startswith(f"{count - 1} errors")


@pytest.mark.parametrize("theme", THEMES)
def test_current_section_and_chosen_facet_are_announced(theme, context, store, catalog):
    base = base_for(store, theme)
    page = context.new_page()
    page.goto(base + "/books/")
    current = page.locator("nav.sections a[aria-current]")
    assert current.all_inner_texts() == ["Books"]
    assert current.get_attribute("aria-current") == "page"
    page.goto(f"{base}/products/{catalog.products['books']}")
    assert page.locator("nav.sections a[aria-current=true]").all_inner_texts() == [
        "Books"
    ]
    page.goto(base + "/search?q=the&section=books")
    assert page.locator(".search-facets a[aria-current]").count() == 0
    chosen = page.locator(".search-facets section.facet:not(.facet-section) a").first
    label = chosen.inner_text()
    chosen.click()
    page.wait_for_load_state()
    assert page.locator(".search-facets a[aria-current=true]").all_inner_texts() == [
        label
    ]


def test_traffic_page_waits_for_the_reader_and_charts_have_tables(staff, store):
    page = staff("default").new_page()
    page.goto(store[0] + "/admin/traffic")
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    refresh = page.locator("main a.refresh")
    assert refresh.count() == 1
    charts = page.locator("figure.chart-figure")
    assert charts.count() == 4
    for index in range(4):
        figure = charts.nth(index)
        assert figure.locator("svg.chart").get_attribute("aria-hidden") == "true"
        table = figure.locator("table")
        assert (
            table.locator("caption").inner_text()
            == figure.locator("svg.chart > title").text_content()
        )
        assert table.locator("tbody tr").count() >= 1
    refresh.click()
    page.wait_for_load_state()
    assert page.url.endswith("/admin/traffic")
    page.close()


def test_a_running_import_follows_itself_without_reloading(staff, store, catalog):
    """The import page once reloaded itself every second (a screen reader
    starts over each time); now a script updates the figures in place and
    shows the outcome when the import ends."""
    jobs, job = pagestates.running_import(catalog)
    page = staff("default").new_page()
    page.goto(f"{store[0]}/admin/import/{job.id}")
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    page.evaluate("document.body.dataset.loadedOnce = 'yes'")
    job.done = 300
    jobs.save(job)
    # (wait_for_function would evaluate a string in the page: CSP refuses it.)
    count = "document.querySelector('[data-import-count]').textContent"
    for _ in range(150):
        if "300 of" in page.evaluate(count):
            break
        page.wait_for_timeout(200)
    assert page.evaluate("document.querySelector('progress').value") == 300
    job.status, job.created = "done", 400
    jobs.save(job)
    page.wait_for_selector(".import-done")
    assert "400 created" in page.inner_text("[role=status]")
    # The same document all along: never reloaded.
    assert page.evaluate("document.body.dataset.loadedOnce") == "yes"
    page.close()
