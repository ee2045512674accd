"""varnishd (deploy/varnish/emporium.vcl) and nginx on loopback for
bench/proxy.py, installed from Debian's packages when missing."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _catalog import ROOT

VCL = ROOT / "deploy" / "varnish" / "emporium.vcl"
VMODS = Path("/usr/lib/x86_64-linux-gnu/varnish/vmods")
SITE = VCL.parent / "emporium-site.vcl"
# Varnish's own floor: the same site part, every GET looked up, nothing else.
MINIMAL_VCL = """vcl 4.1;
include "emporium-site.vcl";
sub vcl_recv {
    if (req.method == "PURGE" && client.ip ~ purgers) {
        return (purge);
    }
    return (hash);
}
"""
NGINX = """
daemon off;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ text/html html; }}
    charset utf-8;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{
{headers}
            try_files $uri =404;
        }}
    }}
}}
"""


def ensure(packages: list[str], binary: str) -> str:
    found = shutil.which(binary) or (binary if os.path.exists(binary) else None)
    if found:
        return found
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        check=True,
        env=env,
        timeout=900,
    )
    return shutil.which(binary) or binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def varnish_server(
    backend_port: int, workdir: Path, secret: str, vcl: Path = VCL
) -> Iterator[int]:
    """varnishd running ``vcl`` (emporium.vcl) with the site part pointed at
    ``backend_port``; yields its port."""
    varnishd = ensure(["varnish"], "/usr/sbin/varnishd")
    ensure(["varnish-modules"], str(VMODS / "libvmod_xkey.so"))
    ensure(["varnish-vmod-digest"], str(VMODS / "libvmod_digest.so"))
    workdir.mkdir(parents=True, exist_ok=True)
    text, count = re.subn(r'\.port = "\d+";', f'.port = "{backend_port}";',
                          SITE.read_text())  # fmt: skip
    assert count == 1, "emporium-site.vcl names one backend port"
    (workdir / "emporium-site.vcl").write_text(text)
    port = free_port()
    process = subprocess.Popen(
        [
            varnishd,
            "-F",
            "-j",
            "none",
            "-n",
            str(workdir / "instance"),
            "-a",
            f"127.0.0.1:{port}",
            "-f",
            str(vcl),
            "-p",
            f"vcl_path={workdir}:{VCL.parent}",
            "-s",
            "malloc,256m",
        ],
        env=dict(os.environ, EMPORIUM_SESSION_SECRET=secret),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        yield port
    finally:
        _stop(process)


@contextmanager
def nginx_server(
    root: Path, workdir: Path, headers: dict[str, str] | None = None
) -> Iterator[int]:
    """nginx serving ``root`` with ``headers`` added to every response."""
    nginx = ensure(["nginx-light"], "/usr/sbin/nginx")
    lines = []
    for name, value in (headers or {}).items():
        if any(c in value for c in '"\\$'):
            raise ValueError(f"header {name} cannot be written for nginx: {value!r}")
        lines.append(f'            add_header {name} "{value}" always;')
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(
        NGINX.format(
            workers=os.cpu_count() or 1,
            tmp=workdir,
            port=port,
            root=root,
            headers="\n".join(lines),
        )
    )
    process = subprocess.Popen(
        [nginx, "-c", str(conf), "-p", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        yield port
    finally:
        _stop(process)
