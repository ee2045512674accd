"""The registry holds no service: a module keeps private state there under
a key it spells ``f"{__name__}.what"``, and what another module needs is a
utility with an interface (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The database's keys, named as Pyramid's cookiecutter names them.
KNOWN = {"dbsession_factory", "db.engine"}


def _registry(node: ast.expr) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return name == "registry"


def literal_keys(tree: ast.AST):
    """``registry["key"]``, ``registry.get("key")`` and
    ``registry.setdefault("key", ...)`` with the key written as a string."""
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Subscript) and _registry(node.value):
            key = node.slice
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "setdefault")
            and _registry(node.func.value)
            and node.args
        ):
            key = node.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            yield node.lineno, key.value


def test_registry_keys_are_private_to_their_module():
    found = []
    for folder in ("platform", "plugins", "admin"):
        for path in (ROOT / folder).rglob("*.py"):
            for line, key in literal_keys(ast.parse(path.read_text())):
                if key not in KNOWN:
                    found.append(f"{path.relative_to(ROOT)}:{line}: {key!r}")
    assert found == []


def test_no_module_imports_anothers_private_names():
    found = []
    for folder in ("platform", "plugins", "admin"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "emporium"
                ):
                    found += [
                        f"{path.relative_to(ROOT)}: {node.module}.{alias.name}"
                        for alias in node.names
                        if alias.name.startswith("_")
                    ]
    assert found == []


def test_a_shared_key_is_found():
    tree = ast.parse(
        'a = request.registry["emporium.throttle"]\n'
        'b = config.registry.get("emporium.session_config")\n'
        "c = registry.setdefault(_MINE, [])\n"
    )
    assert [key for _, key in literal_keys(tree)] == [
        "emporium.throttle",
        "emporium.session_config",
    ]
