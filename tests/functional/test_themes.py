"""Theme overrides: one template, for one section, on one host, with no Python."""

from __future__ import annotations

import pytest
import webtest

from emporium.config import configure
from emporium.errors import ConfigurationError


@pytest.fixture
def themed_app(app_settings, tmp_path):
    theme = tmp_path / "themes" / "acme"
    (theme / "sections" / "books").mkdir(parents=True)
    (theme / "sections" / "books" / "header.pt").write_text(
        '<header class="site-header" metal:define-macro="header">'
        '<p id="acme-books">ACME BOOK CLUB</p></header>\n'
    )
    directories = app_settings["emporium.themes.directories"]
    settings = dict(
        app_settings,
        **{
            "emporium.themes.directories": f"{directories} {tmp_path / 'themes'}",
            "emporium.themes.hosts": "acme.test = acme\npartner.localhost = partner",
            "pyramid.reload_templates": "true",
        },
    )
    return webtest.TestApp(configure(settings).make_wsgi_app()), theme


def on(host):
    return {"extra_environ": {"HTTP_HOST": host}}


def test_override_applies_to_one_section_on_one_host(themed_app):
    app, _ = themed_app
    assert "ACME BOOK CLUB" in app.get("/books/", **on("acme.test")).text
    assert "ACME BOOK CLUB" not in app.get("/videogames/", **on("acme.test")).text
    assert "ACME BOOK CLUB" not in app.get("/", **on("acme.test")).text
    assert "ACME BOOK CLUB" not in app.get("/books/", **on("localhost")).text
    # The rest of the page still comes from the default theme.
    page = app.get("/books/", **on("acme.test"))
    assert "The Bookstore" in page.text and "site-footer" in page.text


def test_override_reaches_product_pages_of_the_section(themed_app, dbsession):
    from sqlalchemy import select

    from emporium_catalog.models import Product

    app, _ = themed_app
    book = dbsession.scalar(
        select(Product.id).where(Product.section == "books").limit(1)
    )
    game = dbsession.scalar(
        select(Product.id).where(Product.section == "videogames").limit(1)
    )
    assert "ACME BOOK CLUB" in app.get(f"/products/{book}", **on("acme.test")).text
    assert "ACME BOOK CLUB" not in app.get(f"/products/{game}", **on("acme.test")).text


def test_templates_reload_on_change_in_development(themed_app):
    app, theme = themed_app
    header = theme / "sections" / "books" / "header.pt"
    assert "ACME BOOK CLUB" in app.get("/books/", **on("acme.test")).text
    header.write_text(
        '<header class="site-header" metal:define-macro="header">'
        "<p>ACME READERS</p></header>\n"
    )
    import os

    stat = header.stat()
    os.utime(header, (stat.st_atime + 5, stat.st_mtime + 5))
    assert "ACME READERS" in app.get("/books/", **on("acme.test")).text


def test_partner_host_has_its_whole_look(testapp):
    page = testapp.get("/", extra_environ={"HTTP_HOST": "partner.localhost"})
    assert "KidsClub" in page.text
    assert "/themes/partner/partner.css" in page.text
    # The partner's header still reaches the shared macros: search and cart.
    assert page.html.select_one("form.site-search[action='/search']")
    assert page.html.select_one("a.cart-link")
    assert "KidsClub" not in testapp.get("/").text


def test_an_unknown_theme_stops_start_up(app_settings):
    settings = dict(app_settings, **{"emporium.themes.hosts": "x.test = nosuchtheme"})
    with pytest.raises(ConfigurationError, match="nosuchtheme"):
        configure(settings)


def test_a_malformed_host_line_is_named(app_settings):
    settings = dict(app_settings, **{"emporium.themes.hosts": "x.test nosuchtheme"})
    with pytest.raises(ConfigurationError, match="line 1"):
        configure(settings)
