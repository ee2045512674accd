"""Hypothesis-generated input on every state-changing admin route, as a
logged-in administrator with a valid CSRF token: never a 5xx. Routes come
from the route table, so a form added later is fuzzed too."""

from __future__ import annotations

import re

import pytest
import webtest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from emporium.accounts.services import create_user
from emporium.config import configure
from emporium.database import Base
from emporium.interfaces import IPasswordHasher
from tests.conftest import ROOT, build_database, make_settings
from tests.functional.test_security import concrete, unsafe_views

PASSWORD = "administrator password 1"
# Every field an admin screen's template names, so that a field added later
# is fuzzed too, and those a section's product form adds.
TEMPLATES = [
    *(ROOT / "admin" / "emporium_admin" / "templates").glob("admin_*.pt"),
    *(ROOT / "plugins").glob("*/templates/admin_*.pt"),
]
FIELDS = sorted(
    {
        name
        for template in TEMPLATES
        for name in re.findall(r'\bname="([a-z_0-9]+)"', template.read_text())
        if name != "csrf_token"
    }
    | {
        "sku", "best_seller_rank", "url", "prefix", "key", "author", "isbn",
        "format", "platform", "genre", "age_min", "good_rows", "confirm",
    }
)  # fmt: skip
# Tables a refused request may still write: who is logged in, and when.
BOOKKEEPING = {"sessions", "audit_log"}
VALUES = st.text(max_size=200) | st.sampled_from(
    ["", "0", "-1", "1", "1e9", "99999999999999999999", "12.345", "abc",
     "2026-13-45T99:99", "/", "//evil.example", "product:1", "<script>", "' OR 1=1"]
)  # fmt: skip


@pytest.fixture(scope="module")
def administrator(tmp_path_factory):
    settings_ = make_settings(f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/a.sqlite")
    config = build_database(settings_, products=60)
    registry = config.registry
    with Session(registry["db.engine"]) as session, session.begin():
        hasher = registry.getUtility(IPasswordHasher)
        create_user(
            session, hasher, "root@example.com", PASSWORD, roles="administrator"
        )
    app = webtest.TestApp(
        configure(dict(settings_)).make_wsgi_app(),
        extra_environ={"HTTP_HOST": "localhost:6543"},
    )
    login = app.get("/admin/login")
    form = next(f for f in login.forms.values() if f.action.endswith("/admin/login"))
    form["email"] = "root@example.com"
    form["password"] = PASSWORD
    assert form.submit().status_int == 303
    token = app.get("/api/v1/cart").json["csrf_token"]
    routes = [
        (concrete(pattern), method)
        for pattern, method in unsafe_views(registry)
        if pattern.startswith("/admin") and not pattern.startswith("/admin/logout")
    ]
    assert routes
    engine = registry["db.engine"]
    return app, token, routes, engine, {"state": snapshot(engine)}


def snapshot(engine) -> dict[str, list]:
    """Every row of every table but the bookkeeping ones."""
    with engine.connect() as connection:
        return {
            table.name: sorted(map(repr, connection.execute(table.select())))
            for table in Base.metadata.sorted_tables
            if table.name not in BOOKKEEPING
        }


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_admin_forms_never_give_a_5xx(administrator, data):
    app, token, routes, engine, last = administrator
    path, method = data.draw(st.sampled_from(routes))
    fields = data.draw(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=8))
    fields = {k: re.sub(r"[\x00]", "", v) for k, v in fields.items()}
    response = app.request(
        path, method=method, POST={**fields, "csrf_token": token}, expect_errors=True
    )
    assert response.status_code < 500, (method, path, fields, response.status)
    before, after = last["state"], snapshot(engine)
    last["state"] = after
    if response.status_code >= 400:  # refused: nothing is half-saved
        changed = [name for name in before if before[name] != after[name]]
        assert not changed, (method, path, fields, response.status, changed)
