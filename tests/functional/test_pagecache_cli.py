"""``emporium purge INI URL`` and ``emporium purge INI --tag KEY``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from emporium.audit import AuditEntry
from emporium.cli import main
from tests.conftest import ROOT
from tests.services import free_port

INI = """\
[app:main]
use = egg:emporium
sqlalchemy.url = sqlite:///%(here)s/cli.sqlite
emporium.plugins = catalog bookstore videogames cart
emporium.themes.directories = {themes}
emporium.session.secret = cli-test-key
{extra}

[alembic]
script_location = {migrations}
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def make_ini(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "test.ini"
    path.write_text(
        INI.format(themes=ROOT / "themes", migrations=ROOT / "migrations", extra=extra)
    )
    result = run("migrate", path)
    assert result.exit_code == 0, result.output
    return path


def audit(ini: Path) -> list[tuple[str, str, str]]:
    engine = create_engine(f"sqlite:///{ini.parent / 'cli.sqlite'}")
    with Session(engine) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        found = [(e.action, e.target, e.result) for e in rows]
    engine.dispose()
    return found


def test_without_a_proxy_a_purge_is_recorded(tmp_path):
    ini = make_ini(tmp_path)
    result = run("purge", ini, "/products/42", "--tag", "category:7")
    assert result.exit_code == 0, result.output
    assert "ok none /products/42" in result.output
    assert audit(ini) == [
        ("purge.url", "/products/42", "recorded, no proxy configured"),
        ("purge.key", "category:7", "recorded, no proxy configured"),
    ]


def test_an_unreachable_proxy_fails_the_command(tmp_path):
    ini = make_ini(
        tmp_path,
        f"emporium.purge.proxies = http://127.0.0.1:{free_port()}\n"
        "emporium.purge.attempts = 2\n"
        "emporium.purge.timeout = 0.5",
    )
    result = run("purge", ini, "--tag", "product:1")
    assert result.exit_code == 1
    assert "FAILED" in result.output and "1 purge(s) failed" in result.output
    assert audit(ini) == [("purge.key", "product:1", "failed")]


@pytest.mark.parametrize("args", [(), ("products/1",), ("ftp://x/y",)])
def test_bad_arguments_are_refused(tmp_path, args):
    ini = make_ini(tmp_path)
    result = run("purge", ini, *args)
    assert result.exit_code == 2
    assert audit(ini) == []
