"""`make faults`: the fault drills, one at a time, on the cluster under load.

Starts the production layout with ``deploy/cluster.py`` in a folder of its
own, drives it with the capacity replay's shoppers at ``FAULTS_RATE`` × the
Christmas 2000 peak, and runs each drill once the store is steady: what
failed while it lasted, how long until p99 was back, and the invariants
through the database. The report goes to ``var/faults/`` (docs/faults.md).

Settings (environment):
  FAULTS_RATE         multiple of the peak the shoppers arrive at  (0.1)
  FAULTS_PRODUCTS     products seeded                              (2000)
  FAULTS_DRILLS       drill names to run, in order                 (all)
  FAULTS_WARMUP       seconds of load before the first drill       (60)
  FAULTS_DOWN         seconds a killed component stays down        (10)
  FAULTS_FREEZE       seconds PostgreSQL stays frozen              (10)
  FAULTS_SETTLE       seconds at most to watch for recovery        (60)
  FAULTS_WINDOW       seconds of answers a steady p99 is taken over (5)
  FAULTS_P99_FACTOR   steady: p99 within this × the warm-up's p99   (2)
  FAULTS_STEADY_WAIT  seconds at most to wait for steady before a drill (60)
  FAULTS_WORKERS      gunicorn workers per app server              (2)
  FAULTS_THINK        mean seconds between a shopper's pages       (1.0)
  FAULTS_ACCOUNTS     customer accounts to log in as               (200)
  FAULTS_CACHE_MB     the object-cache store's map size, MiB       (64)
  FAULTS_DIR          where the report goes                        (var/faults)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.capacity import store
from bench.capacity.engine import Engine
from bench.faults import checks, report
from bench.faults.drills import DATABASE, DRILLS, Context, Drill, cluster
from bench.faults.traffic import RecordingPool, p99, recovery, steady

# Answers the warm-up's second half must hold to set the steady p99.
WARM_ANSWERS = 50


def setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass
class Settings:
    rate: float
    products: int
    drills: list[str]
    warmup: float
    down: float
    freeze: float
    settle: float
    window: float
    p99_factor: float
    steady_wait: float
    workers: int
    think: float
    accounts: int
    cache_mb: int
    out: Path

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            rate=float(setting("FAULTS_RATE", "0.1")),
            products=int(setting("FAULTS_PRODUCTS", "2000")),
            drills=setting("FAULTS_DRILLS", " ".join(d.name for d in DRILLS)).split(),
            warmup=float(setting("FAULTS_WARMUP", "60")),
            down=float(setting("FAULTS_DOWN", "10")),
            freeze=float(setting("FAULTS_FREEZE", "10")),
            settle=float(setting("FAULTS_SETTLE", "60")),
            window=float(setting("FAULTS_WINDOW", "5")),
            p99_factor=float(setting("FAULTS_P99_FACTOR", "2")),
            steady_wait=float(setting("FAULTS_STEADY_WAIT", "60")),
            workers=int(setting("FAULTS_WORKERS", "2")),
            think=float(setting("FAULTS_THINK", "1.0")),
            accounts=int(setting("FAULTS_ACCOUNTS", "200")),
            cache_mb=int(setting("FAULTS_CACHE_MB", "64")),
            out=Path(setting("FAULTS_DIR", str(store.ROOT / "var" / "faults"))),
        )


@dataclass
class Result:
    drill: Drill
    waited: float  # seconds until steady before it (or the whole wait)
    was_steady: bool
    seconds: float  # from the fault to the component's return
    watched: float  # seconds watched after the return
    requests: int
    failures: Counter  # (route, status or why no answer) -> count
    recovery: float | None  # seconds after the return; None: not steady
    notes: list[str]
    figures: dict[str, int]
    broken: list[str]

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    @property
    def failed_gets(self) -> int:
        return sum(n for (r, _), n in self.failures.items() if r.startswith("GET "))


class Runner:
    def __init__(self, s: Settings, engine: Engine, pool: RecordingPool, ctx) -> None:
        self.s, self.engine, self.pool, self.ctx = s, engine, pool, ctx
        self.limit_ms = 0.0

    async def until_steady(self) -> tuple[float, bool]:
        began = time.monotonic()
        while time.monotonic() - began < self.s.steady_wait:
            now = time.monotonic()
            if steady(self.pool.between(now - self.s.window, now), self.limit_ms):
                return now - began, True
            await asyncio.sleep(0.5)
        return time.monotonic() - began, False

    async def drill(self, drill: Drill) -> Result:
        waited, was_steady = await self.until_steady()
        was = await asyncio.to_thread(checks.before, DATABASE, self.pool)
        start = time.monotonic()
        try:
            notes = await asyncio.to_thread(drill.run, self.ctx)
        except Exception as error:  # reported with the drill, the rest go on
            notes = [f"the drill failed: {type(error).__name__}: {error}"]
        back = time.monotonic()
        s = self.s
        while time.monotonic() < back + s.settle:
            await asyncio.sleep(1)
            now = time.monotonic()
            if recovery(self.pool, back, now, s.window, self.limit_ms) is not None:
                break
        end = time.monotonic()
        exchanges = self.pool.between(start, end)
        failures = Counter((x.route, x.outcome) for x in exchanges if x.failed)
        figures = await self.check(was)
        return Result(
            drill, waited, was_steady, back - start, end - back, len(exchanges),
            failures, recovery(self.pool, back, end, s.window, self.limit_ms),
            notes, figures, checks.broken(figures),
        )  # fmt: skip

    async def check(self, was: checks.Before) -> dict[str, int]:
        """With no request in flight, each checkout left open is sent again
        with its Idempotency-Key, as the shopper's page would; then the
        database is read."""
        await self.engine.hold()
        try:
            deadline = time.monotonic() + 30
            while self.pool.in_flight and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            for checkout in self.pool.unanswered():
                # One that fails again stays counted as unanswered.
                with contextlib.suppress(Exception):
                    await self.pool.send(checkout.request)
            return await asyncio.to_thread(
                checks.after_retrying, DATABASE, was, self.pool
            )
        finally:
            self.engine.release()


async def drive(s: Settings, catalog, ctx: Context) -> tuple[list[Result], dict]:
    pool = RecordingPool("127.0.0.1", cluster.EDGE, size=1000, timeout=15.0)
    engine = Engine(pool, catalog, think=s.think, max_sessions=5000)
    runner = Runner(s, engine, pool, ctx)
    arrivals = asyncio.create_task(engine.arrive(s.rate, 10**9))
    results: list[Result] = []
    try:
        began = time.monotonic()
        await asyncio.sleep(s.warmup)
        # A store still cold (nothing answered in the last half) warms on.
        while time.monotonic() - began < 4 * s.warmup:
            warm = pool.between(time.monotonic() - s.warmup / 2, time.monotonic())
            if len(warm) >= WARM_ANSWERS:
                break
            await asyncio.sleep(1)
        baseline = {
            "warm-up seconds": time.monotonic() - began,
            "requests a second": len(warm) / (s.warmup / 2 or 1),
            "p99 ms": p99(warm),
            "failed": sum(1 for x in warm if x.failed),
        }
        runner.limit_ms = max(baseline["p99 ms"] * s.p99_factor, 50.0)
        baseline["steady p99 limit ms"] = runner.limit_ms
        print(report.baseline_line(s.rate, baseline), flush=True)
        by_name = {d.name: d for d in DRILLS}
        for name in s.drills:
            result = await runner.drill(by_name[name])
            results.append(result)
            print(report.drill_line(result), flush=True)
    finally:
        arrivals.cancel()
        await engine.finish()
        pool.close()
    return results, baseline


def main() -> None:
    s = Settings.from_env()
    unknown = set(s.drills) - {d.name for d in DRILLS}
    if unknown:
        sys.exit(f"faults: no drill {sorted(unknown)}; see docs/faults.md")
    workdir = s.out / "cluster"
    shutil.rmtree(workdir, ignore_errors=True)
    folder = workdir / "c"
    folder.mkdir(parents=True)
    map_size = s.cache_mb * 2**20
    # Every shopper comes from 127.0.0.1: the app's per-address ceilings are
    # lifted, as the edge's are (the per-session limits stay).
    (folder / "local.ini").write_text(
        "[app:main]\n"
        f"cache.local.arguments.map_size = {map_size}\n"
        "emporium.throttle.address_factor = 1000000\n"
        "emporium.throttle.burst_address_factor = 1000000\n"
    )
    servers = store.Cluster(
        workdir,
        s.products,
        s.workers,
        {"EMPORIUM_EDGE_RATE": "1000000", "EMPORIUM_EDGE_BURST": "1000000"},
    )
    print(f"faults: starting the cluster with {s.products:,} products", flush=True)
    servers.start()
    try:
        store.make_accounts(s.accounts, DATABASE)
        catalog = store.catalog(DATABASE, accounts=s.accounts)
        ctx = Context(folder, s.down, s.freeze, map_size)
        results, baseline = asyncio.run(drive(s, catalog, ctx))
    finally:
        servers.stop()  # its logs stay in var/faults/cluster/ until the next run
    lines = report.write(s, results, baseline)
    print("\n".join(lines))
    if any(r.broken for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
