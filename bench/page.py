"""A warm product page through gunicorn against a bare Pyramid view that
returns the same bytes, with the same gunicorn settings (2 workers,
``deploy/gunicorn.conf.py``), measured back to back with ``wrk``; and the
warm home page with three live content slots (a banner, a text block, a
hand-picked product list) against the home page without the content plugin,
with the SQL statements the warm slotted page issues (none is the target):
requests a second through gunicorn with ``wrk``, and the CPU time of one
request in-process, each app in its own process, alternated (the ratio
``home_slots_render_vs_home`` is the plain page's time over the slotted
page's: at least 0.90 is the target).

``python bench/page.py`` (``make bench`` runs it); Debian's ``wrk`` is
installed when missing. ``EMPORIUM_BENCH_SECONDS`` sets each run's length.
Ends with ``name: value`` lines.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from _catalog import BENCH_DIR, ROOT, seeded_database, settings_for

PRODUCTS = 2_000
WORKERS = 2
SECONDS = int(os.environ.get("EMPORIUM_BENCH_SECONDS", "4"))
CONNECTIONS = 4
# Alternated, best of each: a machine busy with other work slows both alike.
ROUNDS = 3
BIN = Path(sys.executable).parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],
        check=True,
        env=env,
        timeout=600,
    )
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_ini(
    workdir: Path, database: Path, name: str = "bench.ini", content: bool = True
) -> Path:
    """production.ini with the benchmark's database and cache folder
    (without the content plugin unless ``content``)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "production.ini")
    app = parser["app:main"]
    app["sqlalchemy.url"] = f"sqlite:///{database}"
    app["emporium.themes.directories"] = str(ROOT / "themes")
    app["cache.local.arguments.path"] = str(workdir / "cache" / "objects")
    # One client hammering one page would measure 429s, not the page.
    app["emporium.throttle.enabled"] = "false"
    if not content:
        plugins = app["emporium.plugins"].split()
        app["emporium.plugins"] = " ".join(p for p in plugins if p != "content")
    app["cache.local.arguments.path"] = str(workdir / "cache" / name)
    path = workdir / name
    with path.open("w") as file:
        parser.write(file)
    return path


def serve(args: list[str], env: dict, servers: list) -> str:
    """Start gunicorn (added to ``servers`` at once) and wait until it answers."""
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "--config",
        str(GUNICORN_CONF),
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        *args,
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=dict(os.environ, EMPORIUM_LOG_LEVEL="warning", **env)
    )
    servers.append(process)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a loaded machine starts slowly
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=5):
                return url
        except urllib.error.HTTPError:
            return url  # it answers
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {command}") from None
            time.sleep(0.1)


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def requests_per_second(wrk: str, url: str) -> float:
    output = subprocess.run(
        [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", url],
        check=True,
        capture_output=True,
        text=True,
        timeout=SECONDS + 30,
    ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw errors:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


CONTENT_PLUGINS = "catalog bookstore videogames cart admin content"


def fill_home_slots(database: Path) -> None:
    """Three live entries on the home page: a banner, a text block and four
    hand-picked products (the content tables migrated when missing)."""
    import json

    from emporium import migrations
    from emporium.config import configure

    settings = settings_for(
        database, BENCH_DIR / "seed-cache", **{"emporium.plugins": CONTENT_PLUGINS}
    )
    config = configure(settings)
    config.commit()
    engine = config.registry["db.engine"]
    migrations.upgrade(
        engine, migrations.migration_units(config.registry), str(ROOT / "migrations")
    )
    engine.dispose()
    with sqlite3.connect(database) as connection:
        ids = [r[0] for r in connection.execute("SELECT id FROM products LIMIT 4")]
        connection.execute("DELETE FROM content_items")
        rows = [
            ("banner", "bench-hero", "Winter sale", "", "hero", "[]"),
            ("text", "bench-text", "Gifts", "*Kites*, **games**", "editorial", "[]"),
            ("picks", "bench-picks", "Staff picks", "", "featured", json.dumps(ids)),
        ]  # fmt: skip
        connection.executemany(
            "INSERT INTO content_items (kind, slug, title, body, section, seo_title,"
            " seo_description, image_url, image_alt, link_url, product_ids, rule,"
            " page, slot, position, state, starts_at, ends_at, version, updated_at)"
            " VALUES (?, ?, ?, ?, NULL, '', '', '/static/core/x.png', 'Sale',"
            " '/books/', ?, '{}', 'home', ?, 0, 'published', '2026-01-01 00:00:00',"
            " '2099-01-01 00:00:00', 1, '2026-01-01 00:00:00')",
            [(k, slug, t, b, ids_, slot) for k, slug, t, b, slot, ids_ in rows],
        )


def warm_home_statements(database: Path, workdir: Path) -> int:
    """SQL statements the home page with its slots issues once warm."""
    from sqlalchemy import event
    from webob import Request

    from emporium.config import main as make_app

    settings = settings_for(
        database, workdir / "sql-cache", **{"emporium.plugins": CONTENT_PLUGINS}
    )
    app = make_app({}, **settings)
    statements = []
    event.listen(
        app.registry["db.engine"],
        "before_cursor_execute",
        lambda *args, **kwargs: statements.append(args[2]),
    )
    for _ in range(3):
        statements.clear()
        response = Request.blank("/").get_response(app)
        assert response.status_int == 200, response.status
    return len(statements)


RENDERS = int(os.environ.get("EMPORIUM_BENCH_RENDERS", "500"))
BATCHES = 10


def render_cpu(ini: str, path: str, count: int) -> None:
    """In this process: ``path`` of the app of ``ini``, warmed; then, for
    each line read, ``count`` requests and the CPU time of one printed in
    microseconds (CPU time, not the wall clock, so that other work holding
    the cores counts less)."""
    from pyramid.paster import get_app
    from webob import Request

    app = get_app(ini)
    request = Request.blank(path, base_url="http://127.0.0.1:6543")

    def one() -> bytes:
        response = request.copy().get_response(app)
        assert response.status_int == 200, response.status
        return response.body

    for _ in range(200):  # every tier, the render memo
        body = one()
    assert one() == body, "the page differs between requests"
    print("ready", flush=True)
    for _ in sys.stdin:
        started = time.process_time()
        for _ in range(count):
            one()
        print((time.process_time() - started) / count * 1e6, flush=True)


def render_times(inis: list[Path], env: dict) -> list[float]:
    """The best per-request CPU time of ``/`` of each app (a process each),
    in ``BATCHES`` batches taken by turns, so that a busy moment of the
    machine falls on both alike."""
    workers = [
        subprocess.Popen(
            [sys.executable, __file__, "--render", str(ini), "/", str(RENDERS)],
            env=dict(os.environ, EMPORIUM_LOG_LEVEL="warning", **env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for ini in inis
    ]
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready", "the app did not start"
        best = [float("inf")] * len(workers)
        for _ in range(BATCHES):
            for index, worker in enumerate(workers):
                worker.stdin.write("go\n")
                worker.stdin.flush()
                best[index] = min(best[index], float(worker.stdout.readline()))
        return best
    finally:
        for worker in workers:
            worker.stdin.close()
            worker.wait(30)


def main() -> None:
    load_before = os.getloadavg()[0]
    wrk = ensure_wrk()
    database = seeded_database(PRODUCTS)
    with sqlite3.connect(database) as connection:
        (product_id,) = connection.execute(
            "SELECT id FROM products WHERE section = 'books' ORDER BY id LIMIT 1"
        ).fetchone()
    workdir = Path(tempfile.mkdtemp(prefix="emporium-bench-page-"))
    fill_home_slots(database)
    warm_sql = warm_home_statements(database, workdir)
    servers = []
    try:
        ini = production_ini(workdir, database)
        secret = {"EMPORIUM_SESSION_SECRET": "benchmark-only-" + "k" * 32}
        page_url = serve(["--paste", str(ini)], secret, servers)
        page = f"{page_url}/products/{product_id}"
        for _ in range(50):  # every worker's memory tier, and the shared store
            body = get(page)
        assert get(page) == body, "the page differs between requests"
        (workdir / "body.html").write_bytes(body)
        bare_url = serve(
            ["--pythonpath", str(ROOT / "bench"), "_bare_app:app"],
            {"EMPORIUM_BENCH_BODY": str(workdir / "body.html")},
            servers,
        )
        bare = f"{bare_url}/products/{product_id}"
        assert get(bare) == body
        page_rps, bare_rps = [], []
        for _ in range(ROUNDS):
            page_rps.append(requests_per_second(wrk, page))
            bare_rps.append(requests_per_second(wrk, bare))
        # The home page with its slots filled, and without the plugin.
        home_ini = production_ini(workdir, database, "home.ini", content=False)
        home = serve(["--paste", str(home_ini)], secret, servers) + "/"
        slotted = page_url + "/"
        for url in (home, slotted):
            for _ in range(50):
                get(url)
        assert get(slotted).count(b'class="slot ') == 3, "three slots expected"
        home_rps, slots_rps = [], []
        for _ in range(ROUNDS):
            home_rps.append(requests_per_second(wrk, home))
            slots_rps.append(requests_per_second(wrk, slotted))
        home_us, slots_us = render_times([home_ini, ini], secret)
    finally:
        for server in servers:
            stop(server)
        shutil.rmtree(workdir, ignore_errors=True)
    best_page, best_bare = max(page_rps), max(bare_rps)
    best_home, best_slots = max(home_rps), max(slots_rps)
    print(
        f"load_average_1min: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print(f"gunicorn_workers: {WORKERS}")
    print(f"wrk: 1 thread, {CONNECTIONS} connections, {SECONDS} s x {ROUNDS} each")
    print(f"page_bytes: {len(body)}")
    print(f"page_rps: {best_page:.0f}")
    print(f"bare_rps: {best_bare:.0f}")
    print(f"page_vs_bare: {best_page / best_bare:.2f}")
    print(f"home_slots_warm_sql: {warm_sql}")
    print(f"home_rps: {best_home:.0f}")
    print(f"home_slots_rps: {best_slots:.0f}")
    print(f"home_slots_vs_home: {best_slots / best_home:.2f}")
    print(f"home_render_cpu_us: {home_us:.0f}")
    print(f"home_slots_render_cpu_us: {slots_us:.0f}")
    print(f"home_slots_render_vs_home: {home_us / slots_us:.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--render"]:
        render_cpu(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
