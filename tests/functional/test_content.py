"""Content pages and slots through WebTest: what shoppers see inside and
outside a window, the cache lifetime capped at the next window edge, the
purge after a publish, preview, versions, and bad input."""

from __future__ import annotations

import itertools
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import webtest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emporium.audit import AuditEntry
from emporium.config import configure
from emporium_catalog.models import Product
from emporium_content.models import ContentItem, ContentVersion
from tests.functional.test_admin import log_in, make_user  # noqa: F401
from tests.functional.test_sql_counts import count_statements

_slugs = itertools.count(1)


@pytest.fixture
def editor(new_client, make_user):  # noqa: F811
    client = new_client()
    assert log_in(client, make_user("merchandiser")).status_int == 303
    return client


def local(moment: datetime) -> str:
    # The test settings keep the store's time zone at UTC.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def slug() -> str:
    return f"t{time.time_ns() % 10**9}-{next(_slugs)}"


def form(editor, path="/admin/content/new", **values):
    page = editor.get(path)
    f = next(f for f in page.forms.values() if "kind" in f.fields)
    for name, value in values.items():
        f[name] = value
    return f


def save(editor, expect=303, path="/admin/content/new", **values):
    return form(editor, path, **values).submit(status=expect)


def s_maxage(response) -> int:
    return int(re.search(r"s-maxage=(\d+)", response.headers["Cache-Control"])[1])


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count(model.id)))


def test_a_published_page_is_served_with_its_markdown_made_safe(editor, testapp):
    name = slug()
    ends = datetime.now(UTC) + timedelta(hours=2)
    save(
        editor,
        kind="page",
        slug=name,
        title="Gift ideas for eight-year-olds",
        body="## Ideas\n\n*Kites* <script>alert(1)</script> [x](javascript:alert(1))",
        seo_description="Gifts that last",
        state="published",
        ends_at=local(ends),
    )
    page = testapp.get(f"/pages/{name}")
    assert "<h2>Ideas</h2>" in page.text and "<em>Kites</em>" in page.text
    assert "<script>alert" not in page.text
    assert 'href="javascript' not in page.text
    assert '<meta name="description" content="Gifts that last">' in page.text
    assert f"content:page:{name}" in page.headers["xkey"].split()
    # Cached no longer than the window is open.
    assert 0 < s_maxage(page) <= (ends - datetime.now(UTC)).total_seconds()


def test_a_draft_or_closed_page_is_not_found(editor, testapp):
    draft, ended = slug(), slug()
    save(editor, kind="page", slug=draft, title="Draft", state="draft")
    past = datetime.now(UTC) - timedelta(days=1)
    save(
        editor,
        kind="page",
        slug=ended,
        title="Ended",
        state="published",
        starts_at=local(past - timedelta(days=1)),
        ends_at=local(past),
    )
    testapp.get(f"/pages/{draft}", status=404)
    testapp.get(f"/pages/{ended}", status=404)


def test_a_scheduled_banner_caps_the_home_page_and_shows_in_preview(
    editor, testapp, new_client, app_config
):
    starts = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=3)
    title = f"Weekend sale {slug()}"
    save(
        editor,
        kind="banner",
        slug=slug(),
        title=title,
        image_url="/static/sale.png",
        image_alt="Half price kites",
        link_url="/books/",
        page="home",
        slot="hero",
        state="published",
        starts_at=local(starts),
        ends_at=local(starts + timedelta(days=2)),
    )
    home = testapp.get("/")
    assert title not in home.text
    assert "content:slots:home" in home.headers["xkey"].split()
    assert s_maxage(home) <= (starts - datetime.now(UTC)).total_seconds() + 1
    # The editor sees the home page as of the start, privately.
    preview = editor.get(
        "/admin/content/preview", {"path": "/", "as_of": local(starts)}
    )
    assert title in preview.text and 'alt="Half price kites"' in preview.text
    assert preview.headers["Cache-Control"] == "private, no-store"
    assert "xkey" not in preview.headers
    # Shoppers cannot reach the preview, and the home page stays as it was.
    shopper = new_client()
    assert shopper.get("/admin/content/preview", {"path": "/"}).status_int in (302, 303)
    assert title not in testapp.get("/").text


def test_a_live_slot_entry_shows_and_its_publish_purges_the_home_page(
    editor, testapp, engine
):
    title = f"Hand-picked {slug()}"
    with Session(engine) as session:
        ids = session.scalars(select(ContentItem.id)).all()
    before = testapp.get("/")
    save(
        editor,
        kind="text",
        slug=slug(),
        title=title,
        body="Chosen by our staff",
        page="home",
        slot="editorial",
        state="published",
    )
    assert "Chosen by our staff" not in before.text
    home = testapp.get("/")
    assert title in home.text and "Chosen by our staff" in home.text
    with Session(engine) as session:
        purged = session.scalars(
            select(AuditEntry.target).where(AuditEntry.action.like("purge%"))
        ).all()
    assert "content:slots:home" in purged
    assert ids is not None


def test_a_home_page_with_three_live_slots_issues_no_sql_once_warm(
    editor, testapp, engine, dbsession
):
    """A banner, a text block and hand-picked products on the home page:
    the first view reads them (and the cards), the next reads nothing."""
    picks = dbsession.scalars(select(Product.id).order_by(Product.id).limit(4)).all()
    mark = slug()
    entries = (
        ("banner", "hero", {"link_url": "/books/"}),
        ("text", "editorial", {"body": f"Staff *favourites* {mark}"}),
        ("picks", "featured", {"product_ids": " ".join(map(str, picks))}),
    )
    for kind, slot, values in entries:
        save(
            editor, kind=kind, slug=slug(), title=f"{kind} {mark}", page="home",
            slot=slot, state="published", **values,
        )  # fmt: skip
    # Each save's invalidation is done again a moment later (the cache's
    # repeated deletion): warm is once that has happened.
    for _ in range(40):
        with count_statements(engine) as statements:
            home = testapp.get("/")
        if not statements:
            break
        time.sleep(0.1)
    assert statements == []
    for kind, slot, _ in entries:
        block = home.html.select_one(f".slot-{slot}")
        assert block is not None and f"{kind} {mark}" in block.text, slot
    featured = home.html.select_one(".slot-featured")
    assert {f"/products/{i}" for i in picks} <= {
        a["href"] for a in featured.select("a[href^='/products/']")
    }


def test_a_window_that_ends_before_it_starts_is_refused_and_nothing_is_saved(
    editor, engine
):
    before = count(engine, ContentItem), count(engine, ContentVersion)
    now = datetime.now(UTC)
    answer = save(
        editor,
        expect=400,
        kind="banner",
        slug=slug(),
        title="Backwards",
        page="home",
        slot="hero",
        starts_at=local(now + timedelta(days=2)),
        ends_at=local(now + timedelta(days=1)),
    )
    assert 'data-field="ends_at"' in answer.text
    assert (count(engine, ContentItem), count(engine, ContentVersion)) == before


def test_a_slug_clash_is_named_and_nothing_is_saved(editor, engine):
    name = slug()
    save(editor, kind="page", slug=name, title="First")
    before = count(engine, ContentItem), count(engine, ContentVersion)
    answer = save(editor, expect=400, kind="page", slug=name, title="Second")
    assert 'data-field="slug"' in answer.text and "First" in answer.text
    assert (count(engine, ContentItem), count(engine, ContentVersion)) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slot", "nowhere"),
        ("page", "kitchen"),
        ("link_url", "javascript:alert(1)"),
        ("starts_at", "next friday"),
    ],
)
def test_bad_fields_are_named(editor, field, value):
    values = {"kind": "banner", "slug": slug(), "title": "x", "page": "home"}
    values["slot"] = "hero"
    if field == "slot":
        answer = form(editor, **values)
        answer.fields["slot"][0].options.append((value, False, value))
        answer["slot"] = value
        answer = answer.submit(status=400)
    else:
        answer = save(editor, expect=400, **(values | {field: value}))
    assert f'data-field="{field}"' in answer.text


def test_a_window_to_the_second_keeps_its_seconds_when_saved_again(editor, engine):
    starts = "2031-05-01T09:30:15"
    name = slug()
    saved = save(
        editor, kind="text", slug=name, title="To the second", page="home",
        slot="editorial", state="draft", starts_at=starts, ends_at="2031-05-02T10:00",
    )  # fmt: skip
    edit = editor.get(saved.location)
    assert edit.html.select_one("#f-starts_at")["value"] == starts
    assert edit.html.select_one("#f-starts_at")["step"] == "1"
    assert edit.html.select_one("#f-ends_at")["value"] == "2031-05-02T10:00"
    assert not edit.html.select_one("#f-ends_at").has_attr("step")
    assert edit.html.select_one("#p-as_of")["value"] == starts
    form(editor, saved.location, title="Still to the second").submit(status=303)
    with Session(engine) as session:
        item = session.scalar(select(ContentItem).where(ContentItem.slug == name))
    assert item.starts_at.replace(tzinfo=UTC) == datetime(
        2031, 5, 1, 9, 30, 15, tzinfo=UTC
    )


def test_versions_diff_and_revert_are_kept_and_audited(editor, engine):
    name = slug()
    created = save(editor, kind="page", slug=name, title="Old title", body="one")
    path = created.headers["Location"].split("localhost:6543")[-1]
    save(
        editor,
        path=path,
        kind="page",
        slug=name,
        title="New title",
        body="two",
        state="published",
    )
    versions = editor.get(path + "/versions")
    assert "-title: Old title" in versions.text and "+title: New title" in versions.text
    revert = [f for f in versions.forms.values() if f.get("version", default=None)]
    assert [f["version"].value for f in revert] == ["1"]  # not the current one
    revert[-1].submit(status=303)
    edited = editor.get(path)
    assert 'value="Old title"' in edited.text
    with Session(engine) as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target == f"content:{name}")
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["content.update", "content.publish", "content.revert"]


def test_the_content_list_groups_by_status(editor):
    name = slug()
    save(editor, kind="page", slug=name, title=f"Listed {name}")
    listing = editor.get("/admin/content")
    draft = listing.text.index('id="status-draft"')
    assert listing.text.index(f">Listed {name}</a>") > draft
    assert 'href="/admin/content"' in listing.text  # the console's navigation


def test_a_draft_page_is_previewed_privately_and_stays_hidden(editor, testapp):
    name = slug()
    save(editor, kind="page", slug=name, title="Draft guide", body="*Soon*")
    preview = editor.get("/admin/content/preview", {"path": f"/pages/{name}"})
    assert "<em>Soon</em>" in preview.text
    assert preview.headers["Cache-Control"] == "private, no-store"
    testapp.get(f"/pages/{name}", status=404)


def test_a_preview_of_an_admin_path_is_refused(editor):
    answer = editor.get("/admin/content/preview", {"path": "/admin/"}, status=400)
    assert "path" in answer.text


def test_a_product_list_by_rule_shows_the_newest_books_under_a_price(tmp_path):
    import webtest

    from emporium.config import main as make_app
    from emporium.search.indexing import rebuild
    from emporium.search.services import index_directory
    from tests.conftest import build_database, make_settings

    settings = make_settings(f"sqlite:///{tmp_path / 'rule.sqlite'}")
    registry = build_database(settings, products=60).registry
    rebuild(registry, index_directory(registry.settings))
    with Session(registry["db.engine"]) as session, session.begin():
        session.add(
            ContentItem(
                kind="rule",
                slug="new-books",
                title="New in Books under $20",
                page="section:books",
                slot="featured",
                state="published",
                rule={"section": "books", "max_price": 2000, "limit": 3},
            )
        )
    front = webtest.TestApp(make_app({}, **settings)).get("/books/")
    block = front.html.select_one(".slot-featured")
    assert block is not None and "New in Books under $20" in block.text
    prices = [
        float(p.text.strip().lstrip("$").replace(",", ""))
        for p in block.select(".product-card .price")
    ]
    assert 1 <= len(prices) <= 3
    assert all(price < 20 for price in prices), prices


def test_a_category_page_shows_its_own_banner(editor, testapp, engine):
    from emporium_catalog.models import Category

    with Session(engine) as session:
        category = session.scalar(select(Category.slug).limit(1))
    title = f"Puzzle week {slug()}"
    save(
        editor,
        kind="banner",
        slug=slug(),
        title=title,
        page=f"category:{category}",
        slot="hero",
        state="published",
    )
    page = testapp.get(f"/categories/{category}")
    assert title in page.text
    assert f"content:slots:category:{category}" in page.headers["xkey"].split()
    assert title not in testapp.get("/").text


def test_a_rule_list_while_search_is_down_leaves_the_front_up_for_a_minute(
    tmp_path,
):
    import socket

    import webtest

    from emporium.config import main as make_app
    from tests.conftest import build_database, make_settings

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = make_settings(
        f"sqlite:///{tmp_path / 'down.sqlite'}",
        **{"emporium.search.servers": f"http://127.0.0.1:{port}"},
    )
    engine = build_database(settings, products=12).registry["db.engine"]
    with Session(engine) as session, session.begin():
        session.add(
            ContentItem(
                kind="rule",
                slug="new-books",
                title="New in Books",
                page="section:books",
                slot="featured",
                state="published",
                rule={"section": "books", "max_price": 2000, "limit": 3},
            )
        )
    app = webtest.TestApp(make_app({}, **settings))
    front = app.get("/books/")
    assert "New in Books" in front.text  # the block, with no cards
    assert front.html.select(".slot-featured .product-card") == []
    assert 0 < s_maxage(front) <= 60


def test_content_templates_are_overridden_per_section_and_per_host(
    editor, app_settings, tmp_path
):
    """A theme replaces the slot blocks of one section, and the content page
    on one host, with templates alone; the other sections and hosts keep the
    default look, and the security headers stay as they are."""
    mark = slug()
    save(
        editor, kind="text", slug=f"{mark}-books", title=f"Reading list {mark}",
        body="Ten books", page="section:books", slot="editorial", state="published",
    )  # fmt: skip
    save(
        editor, kind="text", slug=f"{mark}-games", title=f"Play list {mark}",
        body="Ten games", page="section:videogames", slot="editorial",
        state="published",
    )  # fmt: skip
    save(
        editor, kind="page", slug=f"{mark}-page", title=f"Gift ideas {mark}",
        body="*Kites*", state="published",
    )  # fmt: skip
    theme = tmp_path / "themes" / "acme"
    (theme / "sections" / "books").mkdir(parents=True)
    (theme / "sections" / "books" / "slot.pt").write_text(
        '<tal:doc metal:define-macro="slot"><aside class="acme-slot">'
        "ACME ${slot[0].title}</aside></tal:doc>\n"
    )
    (theme / "templates").mkdir()
    (theme / "templates" / "content_page.pt").write_text(
        "<metal:page use-macro=\"theme['layout.pt'].macros['page']\">"
        '<metal:c fill-slot="content"><h1 class="acme-page">ACME ${content.title}'
        "</h1></metal:c></metal:page>\n"
    )
    directories = app_settings["emporium.themes.directories"]
    settings = dict(
        app_settings,
        **{
            "emporium.themes.directories": f"{directories} {tmp_path / 'themes'}",
            "emporium.themes.hosts": "acme.test = acme",
        },
    )
    app = webtest.TestApp(configure(settings).make_wsgi_app())

    def get(path, host):
        return app.get(path, extra_environ={"HTTP_HOST": host})

    books = get("/books/", "acme.test")
    assert f"ACME Reading list {mark}" in books.text
    assert "Ten books" not in books.text
    games = get("/videogames/", "acme.test")
    assert f"Play list {mark}" in games.text and "ACME" not in games.text
    assert "Ten books" in get("/books/", "localhost").text
    page = get(f"/pages/{mark}-page", "acme.test")
    assert f"ACME Gift ideas {mark}" in page.text and "<em>Kites</em>" not in page.text
    plain = get(f"/pages/{mark}-page", "localhost")
    assert "ACME" not in plain.text and "<em>Kites</em>" in plain.text
    csp = get("/", "localhost").headers["Content-Security-Policy"]
    assert plain.headers["Content-Security-Policy"] == csp
    assert page.headers["Content-Security-Policy"] == csp
