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


def test_a_folder_with_one_template_first_keeps_the_rest_of_the_theme(
    app_settings, tmp_path
):
    """A folder listed before the store's themes that holds one override of
    the default theme changes that template and hides nothing else."""
    header = tmp_path / "themes" / "default" / "templates" / "header.pt"
    header.parent.mkdir(parents=True)
    header.write_text(
        '<header class="site-header" metal:define-macro="header">'
        '<p id="layered">LAYERED HEADER</p></header>\n'
    )
    directories = app_settings["emporium.themes.directories"]
    settings = dict(
        app_settings,
        **{"emporium.themes.directories": f"{tmp_path / 'themes'} {directories}"},
    )
    app = webtest.TestApp(configure(settings).make_wsgi_app())
    page = app.get("/books/")
    assert page.html.select_one("#layered").text == "LAYERED HEADER"
    # The layout, the footer and the product cards still come from the store's.
    assert page.html.select_one("footer")
    assert page.html.select("main a[href]")


def test_a_plugin_adds_templates_to_a_theme(app_settings, tmp_path):
    """``config.add_theme_templates`` layers a plugin's folder after the
    configured ones: its section folder overrides that section's pages."""
    layer = tmp_path / "plugin_theme"
    (layer / "sections" / "books").mkdir(parents=True)
    (layer / "sections" / "books" / "footer.pt").write_text(
        '<footer metal:define-macro="footer"><p id="from-plugin">BOOK FOOTER</p>'
        "</footer>\n"
    )
    config = configure(dict(app_settings))
    config.add_theme_templates("default", str(layer))
    app = webtest.TestApp(config.make_wsgi_app())
    assert app.get("/books/").html.select_one("#from-plugin").text == "BOOK FOOTER"
    assert not app.get("/videogames/").html.select_one("#from-plugin")


def test_a_plugin_layer_that_is_no_folder_is_named(app_settings, tmp_path):
    config = configure(dict(app_settings))
    with pytest.raises(ConfigurationError, match="nothere"):
        config.add_theme_templates("default", str(tmp_path / "nothere"))


def test_a_template_a_theme_names_but_nobody_defines_stops_start_up(
    app_settings, tmp_path
):
    """Never a 500 on every page: start-up names the template and the path."""
    header = tmp_path / "themes" / "acme" / "templates" / "header.pt"
    header.parent.mkdir(parents=True)
    header.write_text(
        '<header metal:define-macro="header">'
        "<div metal:use-macro=\"theme['acme_banner.pt'].macros['banner']\"/>"
        "</header>\n"
    )
    directories = app_settings["emporium.themes.directories"]
    settings = dict(
        app_settings,
        **{
            "emporium.themes.directories": f"{directories} {tmp_path / 'themes'}",
            "emporium.themes.hosts": "acme.test = acme",
        },
    )
    with pytest.raises(ConfigurationError) as error:
        configure(settings)
    message = str(error.value)
    assert "'acme_banner.pt'" in message and "theme 'acme'" in message
    assert str(tmp_path / "themes" / "acme" / "templates") in message
