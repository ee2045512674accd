"""A plugin from another distribution: built in a temporary folder with its
own pyproject.toml and entry point, installed, enabled, served."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

import pytest
import webtest

from emporium.config import configure
from emporium.errors import PluginError

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "emporium-toytrains"
version = "1.0"

[project.entry-points."emporium.plugins"]
toytrains = "emporium_toytrains"

[tool.setuptools]
packages = ["emporium_toytrains"]

[tool.setuptools.package-data]
emporium_toytrains = ["templates/*.pt"]
"""

INIT = """\
def includeme(config):
    config.add_store_section(
        name="trains",
        title="Toy Trains",
        prefix="/trains/",
        product_type="train",
        templates="emporium_toytrains:templates",
        position=50,
    )
"""

SECTION_TEMPLATE = """\
<metal:page use-macro="theme['layout.pt'].macros['page']">
  <metal:content fill-slot="content">
    <h1>All aboard: ${section.title}</h1>
    <p class="count">${len(products)} trains</p>
  </metal:content>
</metal:page>
"""


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory):
    source = tmp_path_factory.mktemp("toytrains-src")
    package = source / "emporium_toytrains"
    (package / "templates").mkdir(parents=True)
    (source / "pyproject.toml").write_text(PYPROJECT)
    (package / "__init__.py").write_text(INIT)
    (package / "templates" / "section.pt").write_text(SECTION_TEMPLATE)
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))
    sys.modules.pop("emporium_toytrains", None)
    importlib.invalidate_caches()


def test_an_installed_plugin_serves_its_section(app_settings, installed_plugin):
    settings = dict(app_settings, **{"emporium.plugins": "catalog toytrains"})
    app = webtest.TestApp(configure(settings).make_wsgi_app())
    page = app.get("/trains/")
    assert "All aboard: Toy Trains" in page.text
    assert "0 trains" in page.text
    # The core's layout and navigation include the new section.
    links = app.get("/").html.select('nav.sections a[href="/trains/"]')
    assert [a.get_text(strip=True) for a in links] == ["Toy Trains"]


def test_an_installed_but_disabled_plugin_is_not_served(app_settings, installed_plugin):
    app = webtest.TestApp(configure(dict(app_settings)).make_wsgi_app())
    app.get("/trains/", status=404)


def test_a_missing_plugin_is_named(app_settings):
    settings = dict(app_settings, **{"emporium.plugins": "catalog nosuchplugin"})
    with pytest.raises(
        PluginError, match="'nosuchplugin' is enabled .* but not installed"
    ):
        configure(settings)


def test_a_plugin_that_raises_is_named(app_settings, tmp_path, monkeypatch):
    package = tmp_path / "emporium_broken"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent(
            """
            def includeme(config):
                raise RuntimeError("cannot find my settings")
            """
        )
    )
    (tmp_path / "emporium_broken-1.0.dist-info").mkdir()
    (tmp_path / "emporium_broken-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: emporium-broken\nVersion: 1.0\n"
    )
    (tmp_path / "emporium_broken-1.0.dist-info" / "entry_points.txt").write_text(
        "[emporium.plugins]\nbroken = emporium_broken\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    settings = dict(app_settings, **{"emporium.plugins": "catalog broken"})
    with pytest.raises(PluginError) as raised:
        configure(settings)
    message = str(raised.value)
    assert "'broken'" in message and "cannot find my settings" in message
    assert "\n" not in message


def test_start_up_stops_with_one_line(app_settings):
    from emporium.config import main

    settings = dict(app_settings, **{"emporium.plugins": "catalog nosuchplugin"})
    with pytest.raises(SystemExit) as raised:
        main({"here": "."}, **settings)
    assert str(raised.value).startswith("emporium: cannot start: plugin 'nosuchplugin'")
    assert "\n" not in str(raised.value)
