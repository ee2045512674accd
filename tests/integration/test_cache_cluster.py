"""Two app servers sharing a real Redis: a change written through one is
served by the other within one second."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium_catalog.models import Product
from tests.conftest import ROOT, build_database, make_settings
from tests.services import free_port, redis_server, stop, wait_for_port

pytestmark = pytest.mark.slow


def fetch(url: str, data: dict | None = None) -> str:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=10) as response:
        return response.read().decode()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("cluster")
    database_url = f"sqlite:///{workdir / 'emporium.sqlite'}"
    base = make_settings(database_url)
    build_database(base, products=30)
    with redis_server(workdir / "redis") as redis_url:
        servers = []
        try:
            for name in ("a", "b"):
                settings = dict(
                    base,
                    **{
                        # Two hosts: each its own local store.
                        "cache.tiers": "memory local redis",
                        "cache.local.arguments.path": str(workdir / f"cache-{name}"),
                        "cache.redis.arguments.url": redis_url,
                    },
                )
                port = free_port()
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "tests.integration.cache_appserver",
                        str(port),
                    ],
                    cwd=ROOT,
                    env=dict(os.environ, EMPORIUM_TEST_SETTINGS=json.dumps(settings)),
                )
                servers.append((process, f"http://127.0.0.1:{port}"))
            for process, url in servers:
                wait_for_port(int(url.rsplit(":", 1)[1]), process=process)
            yield database_url, [url for _, url in servers]
        finally:
            for process, _ in servers:
                stop(process)


def test_a_change_through_one_server_is_served_by_the_other(cluster):
    database_url, (server_a, server_b) = cluster
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    with Session(engine) as session:
        product = session.scalar(select(Product).order_by(Product.id).limit(1))
    engine.dispose()
    page = f"/products/{product.id}"
    # Both servers warm their caches with the old price.
    for server in (server_a, server_b):
        for _ in range(2):
            assert "$1,234.56" not in fetch(server + page)
    assert _cached_on(server_b)

    fetch(f"{server_a}/_test/products/{product.id}/price", {"price_minor": 123456})
    changed = time.monotonic()
    while True:
        if "$1,234.56" in fetch(server_b + page):
            break
        assert time.monotonic() - changed < 1.0, "server b still serves the old price"
        time.sleep(0.02)
    assert "$1,234.56" in fetch(server_a + page)


def _cached_on(server: str) -> bool:
    health = json.loads(fetch(server + "/health"))
    return health["checks"]["cache"]["counters"]["memory"]["hits"] > 0
