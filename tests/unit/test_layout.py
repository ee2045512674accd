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
    plugins = {p.name for p in (ROOT / "plugins").iterdir() if p.is_dir()}
    offenders = []
    for path in (ROOT / "platform" / "emporium").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [
                f"{path.name}: {name}"
                for name in names
                if name.split(".")[0] in plugins
            ]
    assert plugins and offenders == []
