"""``emporium create-admin`` and ``emporium import`` on a throwaway .ini."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from emporium.audit import AuditEntry
from emporium.cli import main
from emporium.security.models import User
from emporium_catalog.models import Product
from tests.conftest import ROOT

INI = """\
[app:main]
use = egg:emporium
sqlalchemy.url = sqlite:///%(here)s/cli.sqlite
emporium.plugins = catalog bookstore videogames cart admin
emporium.themes.directories = {themes}
emporium.session.secret = cli-test-key
emporium.passwords.time_cost = 1
emporium.passwords.memory_cost = 1024
emporium.admin.import_dir = %(here)s/imports

[alembic]
script_location = {migrations}
"""


def run(*args, stdin: str | None = None):
    return CliRunner().invoke(
        main, [str(a) for a in args], input=stdin, catch_exceptions=False
    )


@pytest.fixture
def ini(tmp_path) -> Path:
    path = tmp_path / "test.ini"
    path.write_text(INI.format(themes=ROOT / "themes", migrations=ROOT / "migrations"))
    result = run("migrate", path)
    assert result.exit_code == 0, result.output
    return path


def session(ini: Path) -> Session:
    return Session(create_engine(f"sqlite:///{ini.parent / 'cli.sqlite'}"))


def test_create_admin_from_stdin(ini):
    result = run(
        "create-admin",
        ini,
        "--email",
        "Boss@Example.com",
        "--role",
        "administrator",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "created administrator boss@example.com" in result.output
    with session(ini) as dbsession:
        user = dbsession.scalar(select(User).where(User.email == "boss@example.com"))
        assert user.roles == "administrator"
        assert dbsession.scalar(
            select(AuditEntry).where(AuditEntry.action == "admin.create")
        )
    again = run(
        "create-admin",
        ini,
        "--email",
        "boss@example.com",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert again.exit_code != 0 and "already has an account" in again.output


def test_create_admin_refuses_a_short_password_and_an_unknown_role(ini):
    short = run(
        "create-admin",
        ini,
        "--email",
        "m@example.com",
        "--password-stdin",
        stdin="short\n",
    )
    assert short.exit_code != 0 and "at least" in short.output
    role = run(
        "create-admin",
        ini,
        "--email",
        "m@example.com",
        "--role",
        "customer",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert role.exit_code != 0


def test_import_reports_every_bad_row_then_imports_on_request(ini, tmp_path):
    csv = tmp_path / "products.csv"
    csv.write_text(
        "sku,section,name,price,stock,image_url\n"
        "CLI-1,store,Good one,1.50,3,/static/one.png\n"
        "CLI-2,store,Bad price,abc,3,\n"
        "CLI-3,books,No author,2.00,1,\n"
        "CLI-4,store,Another good one,2.50,0,\n"
        "CLI-5,store,Image elsewhere,2.50,0,//evil.example/x.svg\n"
    )
    result = run("import", ini, csv)
    assert result.exit_code == 1
    assert f"{csv}:3: price:" in result.output
    assert f"{csv}:4: author: is required" in result.output
    assert f"{csv}:6: image_url: must be a path on this site" in result.output
    with session(ini) as dbsession:
        assert dbsession.scalar(select(Product).where(Product.sku == "CLI-1")) is None
    result = run("import", ini, csv, "--skip-bad-rows")
    assert result.exit_code == 0, result.output
    assert "importing products" in result.output
    assert "2 created, 0 updated" in result.output
    with session(ini) as dbsession:
        skus = set(dbsession.scalars(select(Product.sku)))
    assert skus == {"CLI-1", "CLI-4"}


def test_import_is_the_admin_plugins_command(ini, tmp_path):
    described = run("import", ini, "--help")
    assert described.exit_code == 0 and "FILE.csv" in described.output
    without = tmp_path / "without-admin.ini"
    without.write_text(
        ini.read_text().replace("cart admin", "cart").replace("cli.sqlite", "w.sqlite")
    )
    csv = tmp_path / "products.csv"
    csv.write_text("sku,section,name,price\nCLI-9,store,Nine,1.00\n")
    result = run("import", without, csv)
    assert result.exit_code == 2 and "No such command 'import'" in result.output
    assert "emporium.plugins" in result.output
