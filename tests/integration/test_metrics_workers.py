"""``/metrics`` of a real gunicorn app server with several workers, recycled
as they go (``max_requests``): whichever worker answers the scrape, the
counts are the server's, every request counted once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import ROOT, build_database, make_settings
from tests.integration.appserver import write_ini
from tests.services import free_port, stop, wait_for_port

REQUESTS = 60
SAMPLE = 'emporium_requests_total{route="product",status="2xx"}'


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def counted(port: int) -> float:
    text = get(f"http://127.0.0.1:{port}/metrics").decode()
    found = re.search(rf"^{re.escape(SAMPLE)} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_every_workers_requests_are_counted_once(tmp_path):
    settings = make_settings(
        f"sqlite:///{tmp_path / 'shop.sqlite'}",
        **{"emporium.session.secret": "metrics-test-key"},
    )
    build_database(settings, products=20)
    port = free_port()
    ini = write_ini(tmp_path / "app.ini", settings, port)
    env = dict(
        os.environ,
        EMPORIUM_BIND=f"127.0.0.1:{port}",
        EMPORIUM_WORKERS="2",
        # Each worker is replaced after about 15 requests.
        EMPORIUM_MAX_REQUESTS="15",
        EMPORIUM_METRICS_DIR=str(tmp_path / "metrics"),
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with (tmp_path / "gunicorn.log").open("wb") as log:
        server = subprocess.Popen(
            [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "--paste", str(ini)],
            stdout=log, stderr=log, cwd=ROOT, env=env,
        )  # fmt: skip
        try:
            wait_for_port(port, timeout=60, process=server)
            for _ in range(REQUESTS):
                get(f"http://127.0.0.1:{port}/products/1")
            # A worker writes its counters every few seconds and as it exits.
            deadline = time.monotonic() + 30  # a hang guard, not a timing
            seen = []
            while time.monotonic() < deadline:
                seen.append(counted(port))
                if seen[-1] == REQUESTS:
                    break
                time.sleep(0.5)
            assert seen[-1] == REQUESTS, seen
            assert max(seen) == REQUESTS  # never more: nothing counted twice
        finally:
            stop(server)
    log_text = (tmp_path / "gunicorn.log").read_text()
    assert log_text.count("Autorestarting worker") >= 2, log_text[-2000:]
