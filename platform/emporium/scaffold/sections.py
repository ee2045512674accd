"""A store section's distribution, generated from ``template/``: the
pyproject with its entry point and package data, ``includeme``, the fields'
table and its first migration, templates, a stylesheet, demo data, a theme
layer, a README and tests on ``emporium.testing``."""

from __future__ import annotations

import importlib.util
import keyword
import re
import shutil
import tempfile
from pathlib import Path

from packaging.version import Version

from emporium.errors import InvalidInput
from emporium.plugins import core_version, installed_plugins

TEMPLATE = Path(__file__).parent / "template"

_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
# First path segments the store's own pages use: a section there would hide
# them (or they it).
RESERVED = frozenset(
    {
        "admin", "api", "categories", "category", "checkout", "emporium",
        "health", "media", "metrics", "orders", "pages", "products", "search",
        "sitemap", "static", "themes",
    }
)  # fmt: skip


def check_name(name: str) -> None:
    """Refuse a section name that is not a lowercase identifier, that the
    store's own URLs use, or whose plugin or package is already installed;
    raises InvalidInput naming ``NAME``."""
    if not _NAME.fullmatch(name) or keyword.iskeyword(name):
        raise InvalidInput(
            "NAME",
            f"{name!r} is not a section name: lowercase letters, digits and _, "
            f"starting with a letter, at most 40 (a Python identifier)",
        )
    if name in RESERVED:
        raise InvalidInput("NAME", f"{name!r} is a path the store itself uses")
    plugins = installed_plugins()
    if name in plugins:
        raise InvalidInput(
            "NAME",
            f"a plugin named {name!r} is installed already ({plugins[name].value})",
        )
    package = package_name(name)
    if importlib.util.find_spec(package) is not None:
        raise InvalidInput("NAME", f"a package named {package} is installed already")


def package_name(name: str) -> str:
    return f"emporium_{name}"


def distribution_name(name: str) -> str:
    return f"emporium-{name.replace('_', '-')}"


def supported_cores(version: str) -> str:
    """This Emporium's version onward, up to the next major one."""
    release = Version(version).release + (0, 0)
    return f">={release[0]}.{release[1]},<{release[0] + 1}"


def context(name: str, title: str | None = None) -> dict[str, str]:
    """The template's variables for section ``name``."""
    core = core_version()
    return {
        "section": name,
        "title": title or name.replace("_", " ").title(),
        "package": package_name(name),
        "distribution": distribution_name(name),
        "emporium_version": core,
        "core_versions": supported_cores(core),
    }


def scaffold_section(name: str, into: Path, title: str | None = None) -> Path:
    """Write the distribution of section ``name`` into ``into`` (its folder,
    ``emporium-NAME``, must not exist) and return its folder. Bad input
    raises InvalidInput and writes nothing."""
    from cookiecutter.main import cookiecutter

    check_name(name)
    if title is not None and not title.strip():
        raise InvalidInput("--title", "must not be empty")
    into = Path(into)
    if into.exists() and not into.is_dir():
        raise InvalidInput("--into", f"{into} is not a folder")
    variables = context(name, title and title.strip())
    folder = into / variables["distribution"]
    if folder.exists():
        raise InvalidInput("--into", f"{folder} exists already: nothing written")
    into.mkdir(parents=True, exist_ok=True)
    # cookiecutter keeps a replay of every run under the user's home unless
    # told otherwise: a scratch folder takes it.
    with tempfile.TemporaryDirectory() as scratch:
        try:
            written = cookiecutter(
                str(TEMPLATE),
                no_input=True,
                extra_context=variables,
                output_dir=str(into),
                default_config={"cookiecutters_dir": scratch, "replay_dir": scratch},
            )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    return Path(written)
