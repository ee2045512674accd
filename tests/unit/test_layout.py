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


def test_the_core_imports_no_plugin():
    """Nothing under ``platform/`` imports a plugin or the admin (any
    ``emporium_*`` package): the core offers directives and events instead."""
    offenders = []
    for path in (ROOT / "platform").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            offenders += [
                f"{path.relative_to(ROOT)}: {name}"
                for name in names
                if name.split(".")[0].startswith("emporium_")
            ]
    assert offenders == []
