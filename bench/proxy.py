"""The same product page as (a) a Varnish hit, (b) nginx serving its bytes
as a static file (with the page's own headers, so that both send the same
response), (c) the app from a warm object cache (gunicorn with
``deploy/gunicorn.conf.py``, sync workers), measured back to back with
Debian's ``wrk``; and, as the floor of what a VCL can reach, the same
Varnish with a VCL that only looks pages up.

``python bench/proxy.py`` (``make bench`` runs it); varnishd with the xkey
and digest vmods, nginx and wrk are installed when missing.
``EMPORIUM_BENCH_SECONDS`` sets each run's length (8 s); the four are
interleaved for three rounds and each one's best round is kept, as the
machine may be shared. Ends with ``name: value`` lines; the targets are
Varnish >= 0.8x nginx and Varnish >= 10x the app.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from _catalog import seeded_database
from _proxy_servers import MINIMAL_VCL, ensure, nginx_server, varnish_server
from page import WORKERS, get, production_ini, serve, stop

PRODUCTS = 2_000
SECONDS = int(os.environ.get("EMPORIUM_BENCH_SECONDS", "8"))
ROUNDS = 3
THREADS = 2
CONNECTIONS = 50
SECRET = "benchmark-only-" + "k" * 32


def wrk(url: str, cookie: str | None = None) -> tuple[float, str]:
    command = [
        ensure(["wrk"], "wrk"),
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{SECONDS}s",
        "--timeout",
        "10s",
    ]
    if cookie:
        command += ["-H", f"Cookie: emporium_session={cookie}"]
    output = subprocess.run(
        [*command, url],
        check=True,
        capture_output=True,
        text=True,
        timeout=SECONDS + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = "; ".join(
        line.strip()
        for line in output.splitlines()
        if "Non-2xx" in line or "Socket errors" in line
    )
    return rps, errors


# What nginx makes itself for a file, or only a cache adds: the rest of a
# Varnish hit's headers are sent by nginx too, so both answer the same bytes.
OWN_HEADERS = {
    "accept-ranges",
    "age",
    "connection",
    "content-length",
    "content-type",
    "date",
    "etag",
    "last-modified",
    "server",
    "transfer-encoding",
    "via",
    "x-cache",
    "x-varnish",
}


def page_headers(url: str, cookie: str) -> dict[str, str]:
    """The headers of a Varnish hit that are the page's own."""
    request = urllib.request.Request(
        url, headers={"Cookie": f"emporium_session={cookie}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["X-Cache"] == "HIT", "not a Varnish hit"
        return {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in OWN_HEADERS
        }


def measure(runs, figures: dict, notes: list, rounds: int = ROUNDS) -> None:
    """Each ``(name, url, cookie)`` in turn, ``rounds`` times; keeps each
    one's best round in ``figures``."""
    for _ in range(rounds):
        for name, url, cookie in runs:
            rps, errors = wrk(url, cookie)
            figures[name] = max(figures.get(name, 0.0), rps)
            if errors:
                notes.append(f"{name}: {errors}")


def main() -> None:
    from emporium.sessions.signing import SessionIdSigner

    database = seeded_database(PRODUCTS)
    with sqlite3.connect(database) as connection:
        (product_id,) = connection.execute(
            "SELECT id FROM products WHERE section = 'books' ORDER BY id LIMIT 1"
        ).fetchone()
    path = f"/products/{product_id}"
    cookie = SessionIdSigner([SECRET.encode()]).sign("b" * 43)
    workdir = Path(tempfile.mkdtemp(prefix="emporium-bench-proxy-"))
    workdir.chmod(0o755)  # nginx's workers read the page as their own user
    servers: list = []
    figures: dict[str, float] = {}
    notes: list[str] = []
    try:
        # production.ini without throttling (see bench/page.py).
        ini = production_ini(workdir, database)
        app_url = serve(
            ["--paste", str(ini)], {"EMPORIUM_SESSION_SECRET": SECRET}, servers
        )
        app_port = int(app_url.rsplit(":", 1)[1])
        for _ in range(50):  # every worker's memory tier, and the shared store
            body = get(app_url + path)
        static = workdir / "www" / "products" / f"{product_id}.html"
        static.parent.mkdir(parents=True)
        static.write_bytes(body)
        # How much of the gap to nginx is ours: the same Varnish with a VCL
        # that only looks pages up, measured in the same rounds.
        minimal = workdir / "minimal.vcl"
        minimal.write_text(MINIMAL_VCL)
        with (
            varnish_server(app_port, workdir / "varnish", SECRET) as varnish_port,
            varnish_server(
                app_port, workdir / "varnish-minimal", SECRET, minimal
            ) as minimal_port,
        ):
            varnish = f"http://127.0.0.1:{varnish_port}{path}"
            floor = f"http://127.0.0.1:{minimal_port}{path}"
            for url, server in ((varnish, "Varnish"), (floor, "the minimal Varnish")):
                assert get(url) == body, f"{server} serves other bytes"
            headers = page_headers(varnish, cookie)
            with nginx_server(workdir / "www", workdir / "nginx", headers) as port:
                nginx = f"http://127.0.0.1:{port}{path}.html"
                assert get(nginx) == body, "nginx serves other bytes"
                measure(
                    [
                        ("varnish_hit_rps", varnish, cookie),
                        # The same returning visitor's request, cookie and all.
                        ("nginx_static_rps", nginx, cookie),
                        ("app_warm_rps", app_url + path, cookie),
                        ("varnish_minimal_vcl_hit_rps", floor, cookie),
                    ],
                    figures,
                    notes,
                )
                # A first visit: Varnish makes and signs a session cookie.
                measure(
                    [("varnish_hit_new_visitor_rps", varnish, None)], figures, notes, 1
                )
    finally:
        for server in servers:
            stop(server)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"machine_cores: {os.cpu_count()} (wrk runs on the same cores)")
    print(
        f"wrk: {THREADS} threads, {CONNECTIONS} connections, {SECONDS} s each, "
        f"interleaved, best of {ROUNDS} rounds"
    )
    print(f"app: gunicorn, {WORKERS} sync workers, production.ini")
    print(f"page_bytes: {len(body)}")
    print(f"nginx_adds_the_pages_headers: {', '.join(headers)}")
    for name, value in figures.items():
        print(f"{name}: {value:.0f}")
    for note in notes:
        print(f"wrk_errors: {note}")
    varnish_rps = figures["varnish_hit_rps"]
    print(f"varnish_vs_nginx: {varnish_rps / figures['nginx_static_rps']:.2f}")
    print(f"varnish_vs_app: {varnish_rps / figures['app_warm_rps']:.1f}")
    floor = figures["varnish_minimal_vcl_hit_rps"]
    print(f"varnish_minimal_vcl_vs_nginx: {floor / figures['nginx_static_rps']:.2f}")
    print(f"emporium_vcl_vs_minimal_vcl: {varnish_rps / floor:.2f}")
    nginx_met = varnish_rps >= 0.8 * figures["nginx_static_rps"]
    app_met = varnish_rps >= 10 * figures["app_warm_rps"]
    print(f"target_varnish_vs_nginx: 0.8 ({'met' if nginx_met else 'missed'})")
    print(f"target_varnish_vs_app: 10 ({'met' if app_met else 'missed'})")


if __name__ == "__main__":
    main()
