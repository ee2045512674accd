"""The store under test: the cluster started by ``deploy/cluster.py`` in a
folder of its own, the catalog the shoppers ask for, and the accounts they
log in with."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.capacity.shoppers import PASSWORD, Catalog

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "postgresql://emporium@127.0.0.1:5433/emporium"
APP_PORTS = (6541, 6542, 6543)


class Cluster:
    """``deploy/cluster.py`` as a child process, its output in ``log``."""

    def __init__(self, workdir: Path, products: int, workers: int, env: dict) -> None:
        self.workdir, self.products, self.workers = workdir, products, workers
        self.env = env
        self.process: subprocess.Popen | None = None
        self.log = workdir / "cluster.out"

    def start(self, timeout: float = 1800) -> dict[str, float]:
        """Starts it and waits for the store; the seconds each set-up step
        took (seeding, indexing), from the cluster's own output."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.workdir, 0o755)  # PostgreSQL's own user reaches its data
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "deploy" / "cluster.py"),
                 "--products", str(self.products), "--workers", str(self.workers)],
                env=dict(os.environ, EMPORIUM_CLUSTER_DIR=str(self.workdir / "c"),
                         **self.env),
                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_text(errors="replace")
            if "the store is on" in text:
                return self.timings(text)
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"capacity: the cluster did not start; see {self.log}")

    @staticmethod
    def timings(text: str) -> dict[str, float]:
        found = {}
        for name, pattern in (
            ("seed", r"seeded \d+ products in ([\d.]+) s"),
            ("reindex", r"indexed \d+ products in ([\d.]+) s"),
            ("start", r"cluster: ready in ([\d.]+) s"),
        ):
            if match := re.search(pattern, text):
                found[name] = float(match.group(1))
        return found

    def roots(self) -> dict[int, str]:
        """pid → name of what the cluster started."""
        text = self.log.read_text(errors="replace")
        return {
            int(pid): name
            for name, pid in re.findall(
                r"cluster: (\w+) on [\d.:]+ \(pid (\d+)\)", text
            )
        }

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def catalog(url: str = DATABASE, accounts: int = 0) -> Catalog:
    """What the shoppers may ask for, read from the database (nothing is
    fetched from the store, so nothing is warmed)."""
    import psycopg

    with psycopg.connect(url) as conn:
        products = conn.execute("SELECT count(*), max(id) FROM products").fetchone()
        if products[0] != products[1]:
            raise SystemExit(
                "capacity: product ids are not 1..N; seed a fresh database"
            )
        rows = conn.execute(
            "SELECT slug, section FROM categories ORDER BY id"
        ).fetchall()
        have = conn.execute(
            "SELECT count(*) FROM users WHERE email LIKE 'shopper-%%@example.com'"
        ).fetchone()[0]
    sections = sorted({section for _, section in rows})
    fronts = ["/"] + [f"/{s}/" for s in sections if s != "store"]
    return Catalog(
        products=products[0],
        fronts=fronts,
        categories=[f"/categories/{slug}" for slug, _ in rows],
        accounts=max(accounts, have),
    )


def make_accounts(count: int, url: str = DATABASE) -> float:
    """``count`` customer accounts sharing ``PASSWORD`` (one hash, made with
    the store's own hasher), inserted at once; returns the seconds one hash
    took, which is the CPU a login costs."""
    import psycopg

    from emporium.security.passwords import Argon2Hasher

    hasher = Argon2Hasher()
    started = time.process_time()
    password_hash = hasher.hash(PASSWORD)
    cost = time.process_time() - started
    with psycopg.connect(url) as conn:
        conn.execute(
            """INSERT INTO users (email, name, password_hash, roles, created_at)
               SELECT 'shopper-' || n || '@example.com', 'Shopper ' || n, %s,
                      'customer', now()
               FROM generate_series(0, %s - 1) n ON CONFLICT (email) DO NOTHING""",
            (password_hash, count),
        )
    return cost


def login_cost(rounds: int = 5) -> tuple[float, float]:
    """CPU and wall seconds of one password check, as a login makes it."""
    from emporium.security.passwords import Argon2Hasher

    hasher = Argon2Hasher()
    password_hash = hasher.hash(PASSWORD)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        hasher.verify(password_hash, PASSWORD)
    return (time.process_time() - cpu) / rounds, (time.perf_counter() - wall) / rounds
