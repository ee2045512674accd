"""``emporium sweep``: expired sessions, the carts only they could reach and
old idempotency keys go; every cart a shopper can still reach stays. On
SQLite and PostgreSQL, each with a database of its own (a sweep is global)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import webtest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session

from emporium.audit import AuditEntry
from emporium.cli import main
from emporium.config import configure
from emporium.database import utcnow
from emporium.housekeeping import run_sweepers
from emporium.sessions.models import SessionRecord
from emporium_cart.models import Cart, CartLine, IdempotencyRecord, Order
from emporium_catalog.models import Product
from tests.conftest import ROOT, build_database, fresh_database, make_settings
from tests.functional.test_api_checkout import checkout_body

DATABASES = ("sqlite", "postgresql")
DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def shop(request, database_backend, tmp_path_factory):
    url = fresh_database(request, database_backend, tmp_path_factory)
    settings = make_settings(url)
    build_database(settings, products=30)
    config = configure(dict(settings))
    config.commit()
    yield config.registry, config.make_wsgi_app()
    config.registry["db.engine"].dispose()


@pytest.fixture
def registry(shop):
    return shop[0]


@pytest.fixture
def engine(registry):
    return registry["db.engine"]


@pytest.fixture
def shopper(shop):
    """A new browser that has put a product in its cart (through the API)."""
    registry, wsgi_app = shop

    def make(quantity: int = 1) -> webtest.TestApp:
        client = webtest.TestApp(
            wsgi_app, extra_environ={"HTTP_HOST": "localhost:6543"}
        )
        token = client.get("/api/v1/cart").json["csrf_token"]
        client.post_json(
            "/api/v1/cart/items",
            {"product_id": _a_product(registry), "quantity": quantity},
            headers={"X-CSRF-Token": token},
            status=201,
        )
        return client

    return make


def _a_product(registry) -> int:
    with Session(registry["db.engine"]) as session:
        return session.scalar(
            select(Product.id).where(Product.stock > 50).order_by(Product.id)
        )


def _session_id(client: webtest.TestApp) -> str:
    return client.cookies["emporium_session"].split(".", 1)[0]


def _age_session(engine, session_id: str, idle: timedelta, age: timedelta) -> None:
    """Make the session look last used ``idle`` ago and created ``age`` ago."""
    now = utcnow()
    with Session(engine) as session, session.begin():
        session.execute(
            update(SessionRecord)
            .where(SessionRecord.id == session_id)
            .values(updated_at=now - idle, created_at=now - age)
        )


def _cart_of(engine, session_id: str) -> Cart | None:
    with Session(engine) as session:
        return session.scalar(select(Cart).where(Cart.session_id == session_id))


def _count(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_an_expired_session_goes_with_its_cart_and_a_live_one_stays(
    registry, engine, shopper
):
    gone, idle, old, live = shopper(2), shopper(), shopper(), shopper()
    _age_session(engine, _session_id(gone), idle=15 * DAY, age=15 * DAY)
    _age_session(
        engine, _session_id(idle), idle=14 * DAY + timedelta(hours=2), age=20 * DAY
    )
    _age_session(engine, _session_id(old), idle=DAY, age=31 * DAY)
    # Near its idle timeout but inside the sweep's margin: left alone.
    _age_session(
        engine, _session_id(live), idle=14 * DAY - timedelta(minutes=10), age=14 * DAY
    )
    gone_cart = _cart_of(engine, _session_id(gone))
    lines_before = _count(engine, CartLine)

    removed = run_sweepers(registry)

    assert removed["sessions"] == 3
    assert removed["carts"] == 3
    for client in (gone, idle, old):
        assert _cart_of(engine, _session_id(client)) is None
        with Session(engine) as session:
            assert session.get(SessionRecord, _session_id(client)) is None
    # One line each (the first shopper's holds two units): their lines go too.
    assert _count(engine, CartLine) == lines_before - 3
    with Session(engine) as session:
        left = session.scalars(select(CartLine.cart_id)).all()
    assert gone_cart.id not in left
    assert _cart_of(engine, _session_id(live)) is not None
    assert live.get("/api/v1/cart").json["count"] == 1
    # The shopper whose session expired is a new visitor with an empty cart.
    assert gone.get("/api/v1/cart").json["count"] == 0
    # Nothing left to do: a second sweep removes nothing.
    assert set(run_sweepers(registry).values()) == {0}


def test_a_customers_cart_is_never_swept(registry, engine, shopper):
    client = shopper(3)
    forms = client.get("/account/register").forms
    register = next(f for f in forms.values() if f.action == "/account/register")
    register["email"] = "keeper@example.com"
    register["name"] = "Keeper"
    register["password"] = "a long enough password"
    register.submit(status=303)
    assert client.get("/api/v1/cart").json["count"] == 3  # the cart followed
    with Session(engine) as session:
        cart = session.scalar(select(Cart).where(Cart.user_id.is_not(None)))
        user_session = session.scalar(
            select(SessionRecord.id).where(SessionRecord.user_id == cart.user_id)
        )
    _age_session(engine, user_session, idle=60 * DAY, age=60 * DAY)

    removed = run_sweepers(registry)

    assert removed["sessions"] >= 1
    with Session(engine) as session:
        kept = session.get(Cart, cart.id)
        assert kept is not None and len(kept.lines) == 1


def test_old_idempotency_records_go_their_orders_stay(registry, engine, shopper):
    client = shopper()
    token = client.get("/api/v1/cart").json["csrf_token"]
    client.post_json(
        "/api/v1/checkout",
        checkout_body(),
        headers={"X-CSRF-Token": token, "Idempotency-Key": "sweep-key-1"},
        status=201,
    )
    with Session(engine) as session, session.begin():
        record = session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.key == "sweep-key-1")
        )
        record.created_at = utcnow() - 31 * DAY
        order_id = record.order_id
    orders = _count(engine, Order)

    removed = run_sweepers(registry)

    assert removed["idempotency-keys"] == 1
    assert _count(engine, Order) == orders
    with Session(engine) as session:
        assert session.get(Order, order_id) is not None


def test_a_dry_run_counts_and_removes_nothing(registry, engine, shopper):
    clients = [shopper() for _ in range(3)]
    live = shopper()  # between them, by id: each batch goes past it once
    clients.append(shopper())
    for client in clients:
        _age_session(engine, _session_id(client), idle=20 * DAY, age=20 * DAY)
    sessions, carts = _count(engine, SessionRecord), _count(engine, Cart)

    counted = run_sweepers(registry, dry_run=True)

    assert counted["sessions"] == 4 and counted["carts"] == 4
    assert (_count(engine, SessionRecord), _count(engine, Cart)) == (sessions, carts)
    # One row a transaction still sweeps them all.
    removed = run_sweepers(registry, batch=1)
    assert removed["sessions"] == 4 and removed["carts"] == 4
    assert _cart_of(engine, _session_id(live)) is not None


def test_an_expired_session_that_comes_back_finds_no_cart(engine, shopper):
    client = shopper(2)
    old_cookie = client.cookies["emporium_session"]
    cart_id = _cart_of(engine, _session_id(client)).id
    _age_session(engine, _session_id(client), idle=15 * DAY, age=15 * DAY)

    response = client.get("/api/v1/cart")

    assert response.json["count"] == 0
    # The cookie is replaced (this view needs a session for its token), the
    # cart deleted with the session's row.
    assert client.cookies["emporium_session"] != old_cookie
    with Session(engine) as session:
        assert session.get(Cart, cart_id) is None
    # The old cookie, sent again, does not bring the cart back.
    client.set_cookie("emporium_session", old_cookie)
    assert client.get("/api/v1/cart").json["count"] == 0


def test_a_sweep_waits_for_shoppers_writing_meanwhile(registry, engine, shopper):
    busy = shopper()
    gone = [shopper() for _ in range(4)]
    for client in gone:
        _age_session(engine, _session_id(client), idle=20 * DAY, age=20 * DAY)
    stop = threading.Event()
    writes = []

    def shop() -> None:
        # Another process's requests: short write transactions, one after
        # another, on rows the sweep leaves alone.
        while not stop.is_set():
            with Session(engine) as session, session.begin():
                session.execute(
                    update(SessionRecord)
                    .where(SessionRecord.id == _session_id(busy))
                    .values(updated_at=utcnow())
                )
            writes.append(1)

    writer = threading.Thread(target=shop)
    writer.start()
    try:
        removed = run_sweepers(registry, batch=1)
    finally:
        stop.set()
        writer.join()

    assert removed["sessions"] == 4 and removed["carts"] == 4
    assert writes  # the shopper's writes went on too
    assert _cart_of(engine, _session_id(busy)) is not None


# -- the command ---------------------------------------------------------------

INI = """\
[app:main]
use = egg:emporium
sqlalchemy.url = sqlite:///%(here)s/sweep.sqlite
emporium.plugins = catalog cart
emporium.themes.directories = {themes}
emporium.session.secret = sweep-test-key
{extra}

[alembic]
script_location = {migrations}
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def make_ini(tmp_path, extra: str = ""):
    path = tmp_path / "sweep.ini"
    path.write_text(
        INI.format(themes=ROOT / "themes", migrations=ROOT / "migrations", extra=extra)
    )
    return path


def test_the_command_sweeps_and_audits(tmp_path):
    ini = make_ini(tmp_path)
    assert run("migrate", ini).exit_code == 0
    dry = run("sweep", ini, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "sessions: would remove 0 (expired sessions)" in dry.output
    assert "carts: would remove 0 (carts of sessions that are gone)" in dry.output
    result = run("sweep", ini)
    assert result.exit_code == 0, result.output
    assert "idempotency-keys: removed 0" in result.output
    engine = create_engine(f"sqlite:///{tmp_path / 'sweep.sqlite'}")
    with Session(engine) as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "sweep"))
        assert entry.actor.startswith("cli:")
        assert entry.detail == {
            "carts": 0,
            "idempotency-keys": 0,
            "photo-files": 0,
            "sessions": 0,
        }
    engine.dispose()


def test_bad_input_is_named(tmp_path):
    ini = make_ini(tmp_path)
    for batch in ("0", "10001", "many"):
        result = CliRunner().invoke(main, ["sweep", str(ini), "--batch", batch])
        assert result.exit_code == 2
        assert "--batch" in result.output
    bad = make_ini(tmp_path, "emporium.idempotency.keep_days = a month")
    result = CliRunner().invoke(main, ["sweep", str(bad)])
    assert result.exit_code != 0
    assert "emporium.idempotency.keep_days must be a whole number" in result.output
