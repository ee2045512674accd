"""The documentation site builds as ``make docs`` builds it, warnings as
errors, and its generated pages say what the code declares: every member of
every interface in the reference, every declared setting in the table, every
command's options."""

from __future__ import annotations

import html
import importlib
import subprocess
import sys

import click
import pytest
from zope.interface.interface import InterfaceClass

from emporium.cli import main
from emporium.settings import CORE
from emporium.settings.__main__ import plugin_settings
from tests.conftest import ROOT


def interface_modules() -> list[str]:
    """Every module of the source folders that defines a zope interface."""
    found = []
    for folder in ("platform", "plugins", "admin"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "Interface" not in path.read_text():
                continue
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            module = importlib.import_module(name)
            if any(
                isinstance(value, InterfaceClass) and value.__module__ == name
                for value in vars(module).values()
            ):
                found.append(name)
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(out / ".doctrees"),
            str(ROOT / "docs"),
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    return out


def test_the_site_builds_without_a_warning(site):
    assert (site / "index.html").exists()


def test_the_reference_lists_every_member_of_every_interface(site):
    page = html.unescape((site / "extending.html").read_text())
    missing = []
    modules = interface_modules()
    assert "emporium.cache.interfaces" in modules
    for module_name in modules:
        module = importlib.import_module(module_name)
        for interface in vars(module).values():
            if not isinstance(interface, InterfaceClass):
                continue
            if interface.__module__ != module_name:
                continue
            qualified = f"{module_name}.{interface.__name__}"
            names = [qualified] + [
                f"{qualified}.{name}" for name in interface.names(all=False)
            ]
            missing += [n for n in names if f'id="{n}"' not in page]
    assert missing == []


def test_the_settings_page_lists_every_declared_setting(site):
    page = html.unescape((site / "settings.html").read_text())
    declared = [s.name for s in [*CORE, *plugin_settings()] if s.name]
    assert declared
    assert [n for n in declared if f"{n}</span>" not in page] == []


def test_the_commands_page_shows_every_command_s_options(site):
    page = html.unescape((site / "commands.html").read_text())
    for name, command in main.commands.items():
        if isinstance(command, click.Group):  # emporium scaffold section NAME
            for sub, subcommand in command.commands.items():
                assert f"Usage: emporium {name} {sub} [OPTIONS]" in page
                options = [p for p in subcommand.params if isinstance(p, click.Option)]
                assert [f for o in options for f in o.opts if f not in page] == []
            continue
        assert f"Usage: emporium {name} [OPTIONS] INI" in page
        options = [p for p in command.params if isinstance(p, click.Option)]
        assert [f for o in options for f in o.opts if f not in page] == []
    assert "Usage: emporium import [OPTIONS] INI FILE.csv" in page
