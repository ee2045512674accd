"""The shipped HAProxy (deploy/haproxy/haproxy.cfg) run by a real HAProxy on
loopback, its edge in front of a given Varnish and its balancer in front of
given app servers: what the edge tests start."""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager

from tests.conftest import ROOT
from tests.services import ensure_debian_packages, free_port, stop, wait_for_port

CONFIG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"


@contextmanager
def haproxy(varnish: int, backend: str, apps: int | None = None, **settings):
    """HAProxy with the shipped file, its configuration checked first: the
    edge sends to Varnish on port ``varnish``, the balancer (on ``apps``, or a
    free port) sends to ``backend`` (``host:port``) as each of the three app
    servers and the two search servers. ``settings`` are more of the file's
    variables by their name after ``EMPORIUM_`` (``EDGE_RATE="40"``). Yields
    the edge's port once it is open."""
    binary = ensure_debian_packages(["haproxy"], "/usr/sbin/haproxy")
    edge = free_port()
    env = dict(
        os.environ,
        EMPORIUM_EDGE=f"127.0.0.1:{edge}",
        EMPORIUM_VARNISH=f"127.0.0.1:{varnish}",
        EMPORIUM_APPS_BIND=f"127.0.0.1:{apps or free_port()}",
        EMPORIUM_SEARCH=f"127.0.0.1:{free_port()}",
        **{f"EMPORIUM_{name}": backend for name in ("APP1", "APP2", "APP3")},
        **{f"EMPORIUM_{name}": backend for name in ("SEARCH1", "SEARCH2")},
        **{f"EMPORIUM_{name}": str(value) for name, value in settings.items()},
    )
    check = subprocess.run(
        [binary, "-c", "-f", str(CONFIG)], env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    process = subprocess.Popen(
        [binary, "-db", "-f", str(CONFIG)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(edge, process=process)
        yield edge
    finally:
        stop(process)
