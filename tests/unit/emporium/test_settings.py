"""Every setting declared once: a bad value stops start-up naming the
setting, and the settings page's table is the declarations'."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from emporium.config import main
from emporium.errors import ConfigurationError
from emporium.settings import declaration, normalize_settings, setting_value
from tests.conftest import ROOT, make_settings


def start(tmp_path, **overrides) -> str:
    """Start the app as pserve does; the line it stops with."""
    settings = make_settings(f"sqlite:///{tmp_path / 'shop.sqlite'}", **overrides)
    with pytest.raises(SystemExit) as stopped:
        main({"here": str(ROOT)}, **settings)
    return str(stopped.value)


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("emporium.purge.timeout", "abc", "a number above 0"),
        ("emporium.purge.attempts", "three", "a whole number of at least 1"),
        ("emporium.passwords.time_cost", "1.5", "a whole number of at least 1"),
        ("emporium.max_body_bytes", "64k", "a whole number of at least 1"),
        ("emporium.pagecache.max_age", "ten", "a whole number of at least 0"),
        ("cache.invalidation.repeat_after", "soon", "a number of at least 0"),
        ("cache.ttl.pricing", "5m", "a number of at least 0"),
        ("emporium.throttle.enabled", "ture", "true or false"),
        ("emporium.environment", "prod", "one of development, production"),
        ("emporium.api.strict_responses", "maybe", "true or false"),
        ("emporium.throttle.search", "lots", "a rate like 60/minute"),
        (
            "emporium.trusted_proxies",
            "10.0.0.0/33",
            "addresses or networks separated by spaces",
        ),
        # A plugin's own setting, declared by the plugin.
        ("emporium.idempotency.keep_days", "a month", "a whole number of at least 1"),
    ],
)
def test_a_bad_value_stops_start_up_with_one_line_naming_it(
    tmp_path, name, text, expected
):
    line = start(tmp_path, **{name: text})
    assert line == f"emporium: cannot start: {name} must be {expected}, not {text!r}"


def test_a_value_out_of_range_is_named_too(tmp_path):
    line = start(tmp_path, **{"emporium.search.timeout": "90"})
    assert line.startswith("emporium: cannot start: emporium.search.timeout must be")


def test_values_read_as_their_kind_and_absent_ones_as_the_default():
    settings = {
        "emporium.purge.timeout": " 0.5 ",
        "emporium.throttle.enabled": "off",
        "emporium.purge.proxies": "http://a:1 http://b:2",
        "emporium.session.secure": "auto",
        "emporium.purge.hosts": "",
    }
    assert setting_value(settings, "emporium.purge.timeout") == 0.5
    assert setting_value(settings, "emporium.throttle.enabled") is False
    assert setting_value(settings, "emporium.purge.proxies") == [
        "http://a:1",
        "http://b:2",
    ]
    assert setting_value(settings, "emporium.session.secure") is None
    assert setting_value(settings, "emporium.purge.hosts") == []
    assert setting_value(settings, "emporium.purge.attempts") == 3
    assert setting_value(settings, "emporium.session.secret") is None
    with pytest.raises(ConfigurationError, match="emporium.purge.attempts"):
        setting_value({"emporium.purge.attempts": "0"}, "emporium.purge.attempts")
    with pytest.raises(LookupError, match="emporium.purge.timout"):
        setting_value(settings, "emporium.purge.timout")


def test_the_environment_overrides_the_ini(monkeypatch):
    monkeypatch.setenv("EMPORIUM_PLUGINS", "catalog cart")
    settings = normalize_settings({"emporium.plugins": "catalog"})
    assert setting_value(settings, "emporium.plugins") == ["catalog", "cart"]


def _names_read(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "setting_value"
            and len(node.args) == 2
            and isinstance(node.args[1], ast.Constant)
        ):
            yield node.args[1].value


def test_every_setting_the_code_reads_is_declared():
    import emporium_admin  # noqa: F401  (plugins declare theirs on import)
    import emporium_cart  # noqa: F401

    read = {
        (path.name, name)
        for folder in ("platform", "plugins", "admin")
        for path in (ROOT / folder).rglob("*.py")
        for name in _names_read(path)
    }
    assert len(read) > 40
    assert [(f, n) for f, n in read if declaration(n) is None] == []


def test_no_module_reads_a_setting_by_hand():
    pattern = re.compile(r"settings(\[|\.get\()\"(emporium|cache)\.")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("platform", "plugins", "admin")
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_the_settings_page_prints_the_declarations():
    """docs/settings.md holds no copy of the table that could drift: the
    site's build prints it from the declarations (tests/functional/test_docs.py
    builds the site and finds every setting on the page)."""
    table = subprocess.run(
        [sys.executable, "-m", "emporium.settings", "--markdown"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert table.count("\n") > 60
    page = (ROOT / "docs" / "settings.md").read_text()
    assert "```{settings-table}\n```" in page
    assert "| `sqlalchemy.url` |" in table
    assert "| `sqlalchemy.url` |" not in page


def test_a_misspelt_name_is_logged_at_start_up(app_settings, caplog):
    from emporium.config import configure

    settings = dict(app_settings, **{"emporium.purge.timout": "5"})
    with caplog.at_level("WARNING", logger="emporium.settings"):
        configure(settings).commit()
    assert [
        r.getMessage() for r in caplog.records if r.name == "emporium.settings"
    ] == ["emporium.purge.timout is not a setting of the core or a loaded plugin"]


def test_a_tier_built_without_arguments_has_the_declared_defaults(tmp_path):
    """Tiers built from settings get the declared defaults; one built in code
    without them (as tests do) behaves the same."""
    from emporium.cache.local import LmdbBackend
    from emporium.cache.memory import MemoryBackend
    from emporium.cache.shared import RedisBackend

    def declared(name):
        return setting_value({}, f"cache.{name}")

    memory = MemoryBackend({})
    local = LmdbBackend({"path": str(tmp_path / "objects")})
    redis = RedisBackend({"url": "redis://127.0.0.1:1/0"})
    assert memory.max_items == declared("memory.arguments.max_items")
    assert local.map_size == declared("local.arguments.map_size")
    assert local.max_readers == declared("local.arguments.max_readers")
    assert redis.prefix == declared("redis.arguments.prefix")
    assert redis.timeout == declared("redis.arguments.socket_timeout")
    assert redis.retry_after == declared("redis.arguments.retry_after")


def test_every_declared_default_reads_as_its_kind():
    from emporium.settings import CORE
    from emporium.settings.__main__ import plugin_settings

    for setting in (*CORE, *plugin_settings()):
        setting.read(None)  # a ConfigurationError names a bad default
