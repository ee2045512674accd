"""deploy/varnish/emporium.vcl run by a real varnishd in front of a real app
server (SQLite): hits, purges after commit by surrogate key and by URL,
conditional requests, no shopper's data in a cached page, POSTs passed,
grace while the app is down, and the session cookie Varnish assigns."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from emporium.audit import AuditEntry
from emporium.config import configure
from emporium.interfaces import IPurger
from emporium.sessions.signing import SessionIdSigner
from emporium_catalog.models import Category, Product
from tests.conftest import ROOT, build_database, make_settings
from tests.integration.appserver import app_server, write_ini
from tests.services import ensure_debian_packages, free_port, stop, wait_for_port

VCL = ROOT / "deploy" / "varnish" / "emporium.vcl"
VMODS = Path("/usr/lib/x86_64-linux-gnu/varnish/vmods")
SITE = VCL.parent / "emporium-site.vcl"


def site_vcl(backend_port: int, probe: str = "/health") -> str:
    """The shipped site part, pointed at ``backend_port``. The shipped probe
    asks HAProxy's monitor URI; with the app right behind Varnish (no
    balancer) it asks the app's own ``/health``."""
    text, count = re.subn(r'\.port = "\d+";', f'.port = "{backend_port}";',
                          SITE.read_text())  # fmt: skip
    assert count == 1, "emporium-site.vcl names one backend port"
    text, count = re.subn(r'\.url = "[^"]+";', f'.url = "{probe}";', text)
    assert count == 1, "emporium-site.vcl names one probe URL"
    return text


def ensure_varnish() -> str:
    varnishd = ensure_debian_packages(["varnish"], "/usr/sbin/varnishd")
    ensure_debian_packages(["varnish-modules"], str(VMODS / "libvmod_xkey.so"))
    ensure_debian_packages(["varnish-vmod-digest"], str(VMODS / "libvmod_digest.so"))
    return varnishd


@contextmanager
def varnish_server(
    backend_port: int, workdir: Path, secret: str, port: int = 0, probe="/health"
):
    """varnishd with emporium.vcl in front of ``backend_port``; yields its
    port. Stopped by its pid."""
    varnishd = ensure_varnish()
    port = port or free_port()
    site = workdir / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "emporium-site.vcl").write_text(site_vcl(backend_port, probe))
    log = (workdir / f"varnish-{port}.log").open("wb")
    process = subprocess.Popen(
        [
            varnishd,
            "-F",
            "-j",
            "none",
            "-n",
            str(workdir / f"varnish-{port}"),
            "-a",
            f"127.0.0.1:{port}",
            "-f",
            str(VCL),
            "-p",
            f"vcl_path={site}:{VCL.parent}",
            "-s",
            "malloc,64m",
        ],
        env=dict(os.environ, EMPORIUM_SESSION_SECRET=secret),
        stdout=log,
        stderr=log,
    )
    try:
        wait_for_port(port, timeout=60, process=process)
        yield port
    finally:
        stop(process)
        log.close()


class Response:
    def __init__(self, status: int, headers: list, body: bytes) -> None:
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.cookies = [v for k, v in headers if k.lower() == "set-cookie"]
        self.body = body

    @property
    def cache(self) -> str:
        return self.headers.get("x-cache", "")

    @property
    def session_cookie(self) -> str | None:
        for cookie in self.cookies:
            if cookie.startswith("emporium_session="):
                return cookie.split(";", 1)[0].split("=", 1)[1]
        return None


def fetch(port: int, path: str, method="GET", headers=None, body=None, source=None):
    connection = http.client.HTTPConnection(
        "127.0.0.1",
        port,
        timeout=60,
        source_address=(source, 0) if source else None,
    )
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return Response(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


SECRET = "varnish-test-key-1 varnish-test-key-old"


@pytest.fixture(scope="module")
def tier(tmp_path_factory):
    """An app server behind Varnish; the app purges that Varnish."""
    ensure_varnish()
    workdir = tmp_path_factory.mktemp("varnish")
    varnish_port = free_port()
    settings = make_settings(
        f"sqlite:///{workdir / 'shop.sqlite'}",
        **{
            "emporium.session.secret": SECRET,
            "emporium.purge.proxies": f"http://127.0.0.1:{varnish_port}",
            "emporium.trusted_proxies": "127.0.0.1",
            "emporium.purge.repeat_after": "0.3",
        },
    )
    build_database(settings, products=120)
    # The writer in this process: the admin's way, through the ORM.
    config = configure(dict(settings))
    config.commit()
    with (
        app_server(settings, workdir) as app_port,
        varnish_server(app_port, workdir, SECRET, varnish_port) as port,
    ):
        yield port, config.registry, workdir / f"varnish-{port}"
    config.registry["db.engine"].dispose()


@pytest.fixture
def port(tier):
    return tier[0]


@pytest.fixture
def registry(tier):
    return tier[1]


@pytest.fixture
def dbsession(registry):
    with registry["dbsession_factory"]() as session:
        yield session


def cookie_header(value: str) -> dict:
    return {"Cookie": f"emporium_session={value}"}


def hit_twice(port: int, path: str, headers=None) -> Response:
    fetch(port, path, headers=headers)
    response = fetch(port, path, headers=headers)
    assert response.status == 200, response.body[:300]
    return response


def a_product(dbsession, offset: int = 0) -> Product:
    return dbsession.scalars(
        select(Product)
        .where(Product.section == "store", Product.stock > 20)
        .order_by(Product.id)
        .offset(offset)
    ).first()


def test_the_second_get_of_a_product_page_is_a_hit(port, dbsession):
    path = f"/products/{a_product(dbsession).id}"
    first = fetch(port, path)
    assert first.status == 200
    assert first.cache in ("MISS", "HIT")
    second = fetch(port, path)
    assert second.cache == "HIT"
    assert second.body == first.body
    # A first-time visitor's copy carries their new cookie: private downstream.
    assert second.headers["cache-control"] == "private, no-store"
    cookie = second.cookies[0].split(";", 1)[0]
    third = fetch(port, path, headers={"Cookie": cookie})
    assert third.cache == "HIT" and not third.cookies
    assert "s-maxage" not in third.headers["cache-control"]
    assert "public" in third.headers["cache-control"]
    assert "xkey" not in third.headers


def test_tracking_parameters_do_not_split_the_cache(port, dbsession):
    path = f"/products/{a_product(dbsession, 1).id}"
    hit_twice(port, path)
    tracked = fetch(port, path + "?utm_source=mail&utm_campaign=xmas&gclid=42")
    assert tracked.cache == "HIT"


def refreshed(port: int, path: str) -> Response:
    """The page once its background refetch is in (a soft purge): polled,
    with a hang guard, as the refetch runs beside the request that began it."""
    deadline = time.monotonic() + 30
    while True:
        page = fetch(port, path)
        if page.cache != "HIT-STALE" or time.monotonic() > deadline:
            return page
        time.sleep(0.05)


def test_a_price_change_soft_purges_the_product_and_its_category_pages(port, dbsession):
    """The next shopper gets the stale copy at once while one fetch brings
    the new one: nobody waits behind the refetch of a hot page."""
    product = a_product(dbsession, 2)
    category = dbsession.get(Category, product.category_id)
    page = f"/products/{product.id}"
    listing = f"/categories/{category.slug}?per_page=100"
    cached = hit_twice(port, page)
    assert cached.cache == "HIT"
    assert f"/products/{product.id}".encode() in hit_twice(port, listing).body
    assert fetch(port, listing).cache == "HIT"

    product.price_minor = 1234567
    dbsession.commit()  # purged after the commit

    stale = fetch(port, page)
    assert stale.cache == "HIT-STALE"
    assert stale.body == cached.body and b"$12,345.67" not in stale.body
    fresh = refreshed(port, page)
    assert fresh.cache == "HIT"
    assert b"$12,345.67" in fresh.body
    assert fetch(port, listing).cache == "HIT-STALE"
    assert b"$12,345.67" in refreshed(port, listing).body


def test_each_purge_is_sent_once_more_a_moment_later(port, dbsession):
    """Another app server may put the old page back between the commit and
    hearing of it: the second purge takes it out again."""
    product = a_product(dbsession, 5)
    page = f"/products/{product.id}"
    assert hit_twice(port, page).cache == "HIT"
    product.price_minor += 100
    dbsession.commit()
    assert fetch(port, page).cache == "HIT-STALE"
    assert refreshed(port, page).cache == "HIT"
    deadline = time.monotonic() + 30  # a hang guard, not a timing
    while time.monotonic() < deadline:
        again = dbsession.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "purge.key",
                AuditEntry.actor.like("% (again)"),
                AuditEntry.target.contains(f"product:{product.id}"),
            )
        ).all()
        if again:
            break
        dbsession.rollback()
        time.sleep(0.1)
    assert again and again[-1].result == "ok", again
    # The second purge marked the copy stale again.
    assert fetch(port, page).cache == "HIT-STALE"


def test_a_large_category_page_is_cached_and_purged(port, dbsession):
    category = dbsession.scalars(select(Category).order_by(Category.id)).first()
    listing = f"/categories/{category.slug}?per_page=100"
    keys = fetch(port, listing, headers={"x-emporium-debug": "1"}).headers["xkey"]
    assert len(keys) < 2048
    assert hit_twice(port, listing).cache == "HIT"
    last = dbsession.scalars(
        select(Product)
        .where(Product.category_id == category.id)
        .order_by(Product.best_seller_rank, Product.id)
    ).first()
    last.name = last.name + " (new edition)"
    dbsession.commit()
    assert fetch(port, listing).cache == "HIT-STALE"
    assert b"(new edition)" in refreshed(port, listing).body


def test_purge_by_url(port, dbsession, registry):
    path = f"/products/{a_product(dbsession, 3).id}"
    assert hit_twice(port, path).cache == "HIT"
    results = registry.getUtility(IPurger).purge_urls([path], "test")
    assert results and all(r.ok for r in results)
    assert fetch(port, path).cache == "MISS"


def test_purge_by_prefix_bans_every_page_under_it(port, dbsession, registry):
    paths = [f"/products/{a_product(dbsession, n).id}" for n in (9, 10)]
    for path in paths:
        assert hit_twice(port, path).cache == "HIT"
    front = hit_twice(port, "/")
    assert front.cache == "HIT"
    results = registry.getUtility(IPurger).purge_prefix("/products/", "test")
    assert results and all(r.ok for r in results)
    assert [fetch(port, path).cache for path in paths] == ["MISS", "MISS"]
    assert fetch(port, "/").cache == "HIT"


def test_purge_is_refused_outside_the_acl(port, dbsession):
    path = f"/products/{a_product(dbsession, 4).id}"
    hit_twice(port, path)
    refused = fetch(port, path, method="PURGE", source="127.0.0.9")
    assert refused.status == 405
    assert fetch(port, path).cache == "HIT"


def test_if_modified_since_gets_304_from_varnish(port, dbsession):
    path = f"/products/{a_product(dbsession, 5).id}"
    page = hit_twice(port, path)
    conditional = fetch(
        port, path, headers={"If-Modified-Since": page.headers["last-modified"]}
    )
    assert conditional.status == 304
    assert conditional.cache == "HIT"
    assert conditional.body == b""
    tagged = fetch(port, path, headers={"If-None-Match": page.headers["etag"]})
    assert tagged.status == 304


def test_a_cached_page_never_carries_another_shoppers_cart_or_cookie(port, dbsession):
    product = a_product(dbsession, 6)
    path = f"/products/{product.id}"
    alice = fetch(port, "/api/v1/cart")
    cookie = alice.session_cookie
    assert cookie
    token = json_of(alice)["csrf_token"]
    added = fetch(
        port,
        "/api/v1/cart/items",
        method="POST",
        body=f'{{"product_id": {product.id}, "quantity": 2}}',
        headers={
            **cookie_header(cookie),
            "X-CSRF-Token": token,
            "Content-Type": "application/json",
        },
    )
    assert added.status == 201, added.body
    # Alice fills the cache with her cookie on.
    alice_page = fetch(port, path, headers=cookie_header(cookie))
    fetch(port, path, headers=cookie_header(cookie))
    assert json_of(fetch(port, "/cart/summary", headers=cookie_header(cookie)))

    bob = fetch(port, path)
    assert bob.cache == "HIT"
    assert bob.body == alice_page.body
    assert cookie.encode() not in bob.body
    assert bob.session_cookie and bob.session_cookie != cookie
    bob_summary = fetch(
        port, "/cart/summary", headers=cookie_header(bob.session_cookie)
    )
    assert bob_summary.cache == "PASS"
    assert json_of(bob_summary)["count"] == 0
    alice_summary = fetch(port, "/cart/summary", headers=cookie_header(cookie))
    assert json_of(alice_summary)["count"] == 2


def test_a_post_is_never_cached(port, dbsession):
    path = "/api/v1/cart/items"
    first = fetch(port, path, method="POST", body="{}")
    second = fetch(port, path, method="POST", body="{}")
    assert first.cache == second.cache == "PASS"


def test_the_cookie_varnish_assigns_is_the_apps_session(port, dbsession):
    first = fetch(port, f"/products/{a_product(dbsession, 7).id}")
    cookie = first.session_cookie
    assert cookie and "HttpOnly" in first.cookies[0]
    session_id, _, mac = cookie.rpartition(".")
    signer = SessionIdSigner(
        [key.encode() for key in SECRET.split()], max_age=30 * 86400
    )
    assert signer.unsign(cookie) == (session_id, True)
    # Issued now, by the id's own account (under the MAC).
    issued = re.fullmatch(r"t(\d{10})-[0-9a-f]{40}", session_id)
    assert issued and abs(int(issued.group(1)) - time.time()) < 120
    assert signer.unsign(cookie, now=time.time() + 31 * 86400) == (None, False)

    cart = fetch(port, "/api/v1/cart", headers=cookie_header(cookie))
    assert cart.status == 200
    # The app adopted the id: no other session cookie comes back.
    assert cart.session_cookie in (None, cookie)
    token = json_of(cart)["csrf_token"]
    product = a_product(dbsession, 8)
    added = fetch(
        port,
        "/api/v1/cart/items",
        method="POST",
        body=f'{{"product_id": {product.id}, "quantity": 1}}',
        headers={
            **cookie_header(cookie),
            "X-CSRF-Token": token,
            "Content-Type": "application/json",
        },
    )
    assert added.status == 201, added.body
    assert added.session_cookie in (None, cookie)
    cart = json_of(fetch(port, "/api/v1/cart", headers=cookie_header(cookie)))
    assert [item["product_id"] for item in cart["items"]] == [product.id]
    # A shopper who has a cookie is not given another.
    assert fetch(port, "/", headers=cookie_header(cookie)).session_cookie is None


def json_of(response: Response):
    return json.loads(response.body)


def backend_requests(instance: Path) -> int:
    """Varnish's count of requests it sent to the app."""
    output = subprocess.run(
        ["varnishstat", "-n", str(instance), "-1", "-f", "MAIN.backend_req"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(output.split()[1])


def cookies_of(response: Response) -> dict[str, str]:
    return dict(c.split(";", 1)[0].split("=", 1) for c in response.cookies)


def test_a_page_view_costs_the_app_nothing_for_a_shopper_with_a_cart(tier, dbsession):
    """The header's count, greeting and form token come from cookies: a
    cached page and its assets are all a page view asks for."""
    port, instance = tier[0], tier[2]
    product = a_product(dbsession, 10)
    first = fetch(port, "/")
    jar = cookies_of(first)
    # Varnish gave the new visitor a session and its CSRF token, for scripts.
    session_id = jar["emporium_session"].rpartition(".")[0]
    signer = SessionIdSigner([key.encode() for key in SECRET.split()])
    assert jar["emporium_csrf"] == signer.token("csrf", session_id)
    csrf_cookie = next(c for c in first.cookies if c.startswith("emporium_csrf="))
    assert "HttpOnly" not in csrf_cookie
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    added = fetch(
        port,
        "/api/v1/cart/items",
        method="POST",
        body=f'{{"product_id": {product.id}, "quantity": 3}}',
        headers={
            "Cookie": cookie,
            "X-CSRF-Token": jar["emporium_csrf"],
            "Content-Type": "application/json",
        },
    )
    assert added.status == 201, added.body
    jar.update(cookies_of(added))
    assert jar["emporium_shopper"].startswith("3.")
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())

    path = f"/products/{product.id}"
    page = hit_twice(port, path, headers={"Cookie": cookie})
    assets = re.findall(rb'(?:src|href)="(/(?:static|themes)/[^"]+)"', page.body)
    assert b"/static/cart/cart.js" in b" ".join(assets)
    for asset in assets:
        fetch(port, asset.decode(), headers={"Cookie": cookie})

    before = backend_requests(instance)
    view = [fetch(port, path, headers={"Cookie": cookie})]
    view += [fetch(port, a.decode(), headers={"Cookie": cookie}) for a in assets]
    assert all(r.status == 200 and r.cache == "HIT" for r in view)
    assert not any(r.cookies for r in view)
    assert (
        b"emporium_shopper" not in page.body and b"data-cart-count></span>" in page.body
    )
    # One known request to the app: once the counter shows it, it shows all.
    assert fetch(port, "/health").status == 200
    deadline = time.monotonic() + 30  # a hang guard
    while backend_requests(instance) < before + 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert backend_requests(instance) == before + 1


def test_a_hit_answers_with_its_own_request_id(port, dbsession):
    path = f"/products/{a_product(dbsession, offset=7).id}"
    first = fetch(port, path, headers={"X-Request-Id": "edge-request-0001"})
    assert first.headers["x-request-id"] == "edge-request-0001"
    hit = fetch(port, path, headers={"X-Request-Id": "edge-request-0002"})
    assert hit.cache == "HIT"
    assert hit.headers["x-request-id"] == "edge-request-0002"
    # Without an id from the edge, a hit does not repeat the filler's.
    bare = fetch(port, path)
    assert bare.cache == "HIT"
    assert "x-request-id" not in bare.headers
    # An id that is not well formed is not passed on.
    odd = fetch(port, path, headers={"X-Request-Id": "a b"})
    assert "x-request-id" not in odd.headers
    # Nor does a static file repeat the id of the request that fetched it.
    fetch(port, "/static/cart/cart.js", headers={"X-Request-Id": "fetcher-id-1"})
    asset = fetch(port, "/static/cart/cart.js")
    assert asset.status == 200 and asset.cache == "HIT"
    assert "x-request-id" not in asset.headers


def test_a_hit_sends_downstream_caches_the_browser_max_age(port, dbsession):
    path = f"/products/{a_product(dbsession, offset=8).id}"
    returning = cookie_header(fetch(port, "/").session_cookie)
    hit = hit_twice(port, path, headers=returning)
    assert hit.cache == "HIT"
    assert "s-maxage" not in hit.headers["cache-control"]
    assert hit.headers["cache-control"].startswith("public, max-age=")
    # Nor do they learn what runs behind the proxy, or which proxy it is.
    assert "server" not in hit.headers and "via" not in hit.headers
    assert int(hit.headers["age"]) >= 0


# -- grace: its own app server and Varnish, with short time-to-lives ---------


@pytest.fixture
def short_lived(tmp_path):
    ensure_varnish()
    settings = make_settings(
        f"sqlite:///{tmp_path / 'grace.sqlite'}",
        **{"emporium.session.secret": SECRET, "cache.ttl.inventory": "2"},
    )
    build_database(settings, products=20)
    return settings, tmp_path


def test_a_cached_page_is_served_within_grace_while_the_app_is_down(short_lived):
    settings, workdir = short_lived
    app_port = free_port()
    ini = write_ini(workdir / "grace.ini", settings, app_port)
    pserve = Path(sys.executable).with_name("pserve")
    with (workdir / "grace-app.log").open("wb") as log:
        app = subprocess.Popen(
            [str(pserve), str(ini)], stdout=log, stderr=log, cwd=ROOT
        )
        try:
            wait_for_port(app_port, timeout=60, process=app)
            with varnish_server(app_port, workdir, SECRET) as port:
                page = hit_twice(port, "/products/1")
                assert page.cache == "HIT"
                stop(app)
                time.sleep(3)  # past the page's TTL (s-maxage=2)
                stale = fetch(port, "/products/1")
                assert stale.status == 200
                assert stale.cache == "HIT-STALE"
                assert int(stale.headers["age"]) >= 2
                assert stale.body == page.body
        finally:
            stop(app)
