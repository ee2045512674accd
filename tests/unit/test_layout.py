"""The repository layout keeps the standard library's ``platform`` reachable."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_source_folder_is_a_package():
    for folder in ("platform", "plugins", "admin"):
        assert not (ROOT / folder / "__init__.py").exists(), folder


def test_stdlib_platform_from_the_repository_root():
    result = subprocess.run(
        [sys.executable, "-c", "import platform; print(platform.system())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "Linux"


def _imports(folder: str):
    """``(path, module)`` for each module imported under ``folder`` by its
    absolute name (``from package import name`` counts as
    ``package.name``)."""
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                module = node.module or ""
                names = [f"{module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                yield path.relative_to(ROOT), name


def test_the_core_imports_no_plugin():
    """Nothing under ``platform/`` imports a plugin or the admin (any
    ``emporium_*`` package): the core offers directives and events instead."""
    offenders = [
        f"{path}: {name}"
        for path, name in _imports("platform")
        if name.startswith("emporium_")
    ]
    assert offenders == []


# What a plugin may import of another: its interfaces (the services it
# offers and the values they take), and the catalog's product schema (the
# text every product form and file is written in).
PUBLIC_MODULES = ("interfaces", "emporium_catalog.schema")


def test_a_plugin_reaches_another_through_its_interfaces_only():
    """A plugin or the admin imports of another ``emporium_*`` package only
    its ``interfaces`` (and the catalog's ``schema``): never its models,
    services or views, so that each may change them without breaking the
    others (the admin reads products through ``IProductReader``)."""
    offenders = []
    for folder in ("plugins", "admin"):
        for path, name in _imports(folder):
            package, _, rest = name.partition(".")
            if not package.startswith("emporium_") or path.parts[1] == package:
                continue
            public = rest.split(".")[0] == "interfaces" or any(
                name == module or name.startswith(module + ".")
                for module in PUBLIC_MODULES
            )
            if not public:
                offenders.append(f"{path}: {name}")
    assert offenders == []


def test_no_module_is_longer_than_500_lines():
    """A module past 500 lines does several jobs: split it by responsibility."""
    long = [
        f"{path.relative_to(ROOT)}: {len(path.read_text().splitlines())}"
        for folder in ("platform", "plugins", "admin")
        for path in (ROOT / folder).rglob("*.py")
        if len(path.read_text().splitlines()) > 500
    ]
    assert long == []
