"""``emporium create-admin`` and ``emporium import`` on a throwaway .ini."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from emporium.audit import AuditEntry
from emporium.cli import main
from emporium.security.models import User
from emporium_catalog.models import Product
from emporium_catalog.photos.models import ProductImage
from tests.conftest import ROOT
from tests.unit.emporium.media.test_images import png_claiming

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


def photo_file(path: Path, colour, fmt="JPEG") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGBA" if fmt == "PNG" else "RGB", (400, 300), colour).save(path, fmt)


def photos_by_sku(ini: Path, sku: str) -> list[ProductImage]:
    with session(ini) as dbsession:
        return list(
            dbsession.scalars(
                select(ProductImage)
                .join(Product, Product.id == ProductImage.product_id)
                .where(Product.sku == sku)
                .order_by(ProductImage.position)
            )
        )


def test_import_names_photo_files_beside_the_csv(ini, tmp_path):
    photo_file(tmp_path / "photos" / "top.jpg", (200, 30, 30))
    photo_file(tmp_path / "photos" / "side.png", (30, 30, 200, 128), "PNG")
    (tmp_path / "photos" / "fake.jpg").write_bytes(b"not a photo at all")
    (tmp_path / "photos" / "bomb.png").write_bytes(png_claiming(20_000, 20_000))
    (tmp_path / "secret.jpg").write_bytes((tmp_path / "photos/top.jpg").read_bytes())
    csv = tmp_path / "shop" / "products.csv"
    csv.parent.mkdir()
    (csv.parent / "photos").symlink_to(tmp_path / "photos")
    good = (
        "PIC-1,store,Spinning top,4.00,"
        "photos/top.jpg=A red spinning top | photos/side.png=The top from above\n"
    )
    csv.write_text(
        "sku,section,name,price,images\n"
        + good
        + "PIC-2,store,Missing,1.00,photos/gone.jpg=Gone\n"
        "PIC-3,store,Fake,1.00,photos/fake.jpg=Fake\n"
        "PIC-4,store,No alt,1.00,photos/top.jpg\n"
        "PIC-5,store,Bomb,1.00,photos/bomb.png=Boom\n"
        "PIC-6,store,Outside,1.00,../secret.jpg=Out\n"
        "PIC-7,store,No photo,1.00,\n"
    )
    refused = run("import", ini, csv)
    assert refused.exit_code == 1
    for line, message in (
        (3, "images: photos/gone.jpg: no such file beside the CSV file"),
        (4, "images: photos/fake.jpg: is not a JPEG, PNG or WebP image"),
        (5, "images: photos/top.jpg: alt text is required"),
        (6, "images: photos/bomb.png: has more than"),
        (7, "images: ../secret.jpg: is not in the folder of the CSV file"),
    ):
        assert f"{csv}:{line}: {message}" in refused.output, refused.output
    with session(ini) as dbsession:
        assert dbsession.scalar(select(func.count()).select_from(Product)) == 0
        assert dbsession.scalar(select(func.count()).select_from(ProductImage)) == 0

    # The good rows on request: each product with its photos, in order.
    result = run("import", ini, csv, "--skip-bad-rows")
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    top, side = photos_by_sku(ini, "PIC-1")
    assert (top.filename, top.alt) == ("top.jpg", "A red spinning top")
    assert (side.filename, side.alt) == ("side.png", "The top from above")
    assert top.sources["detail"]["width"] == 400
    assert side.sources["card"]["type"] == "png"  # it has transparency
    media = ini.parent / "var" / "media"
    name = top.sources["card"]["webp"][0]
    assert (media / name[:2] / name[2:4] / name).is_file()
    assert photos_by_sku(ini, "PIC-7") == []

    # The same file again changes nothing; an empty cell keeps the photos;
    # a cell naming other files replaces them.
    csv.write_text("sku,section,name,price,images\n" + good)
    assert run("import", ini, csv).exit_code == 0
    assert [p.id for p in photos_by_sku(ini, "PIC-1")] == [top.id, side.id]
    csv.write_text("sku,section,name,price,images\nPIC-1,store,Top,4.00,\n")
    assert run("import", ini, csv).exit_code == 0
    assert [p.id for p in photos_by_sku(ini, "PIC-1")] == [top.id, side.id]
    csv.write_text(
        "sku,section,name,price,images\nPIC-1,store,Top,4.00,photos/side.png=Above\n"
    )
    assert run("import", ini, csv).exit_code == 0
    (only,) = photos_by_sku(ini, "PIC-1")
    assert (only.alt, only.sources) == ("Above", side.sources)
    with session(ini) as dbsession:
        replaced = dbsession.scalars(
            select(AuditEntry.action).where(
                AuditEntry.action == "product.image.replace"
            )
        ).all()
    assert len(replaced) == 2  # the first import's and the last one's
