"""`make capacity`: the Christmas 2000 replay on this box.

Starts the production layout with ``deploy/cluster.py`` in a folder of its
own, seeds the catalog, then offers the article's peak at each step of the
ladder, open-loop, and writes the report under ``var/capacity/``. Nothing is
warmed by hand: the first minute, at the ladder's first rate, is reported
apart as "cold".

Settings (environment):
  CAPACITY_PRODUCTS      products seeded                 (100000)
  CAPACITY_LADDER        multiples of the peak           ("0.1 0.3 1 3 10")
  CAPACITY_STEP_SECONDS  seconds per step                (120)
  CAPACITY_COLD_SECONDS  the cold first step, at the ladder's first rate
                                                         (60; 0 leaves it out)
  CAPACITY_WORKERS       gunicorn workers per app server (2)
  CAPACITY_ACCOUNTS      customer accounts to log in as  (1000)
  CAPACITY_THINK         mean seconds between pages      (1.0)
  CAPACITY_DIR           where the report goes           (var/capacity)
  CAPACITY_CONNECTIONS   the generator's connections     (2000)
  CAPACITY_MAX_SESSIONS  sessions in flight at most; arrivals past it are
                         dropped and counted              (5000)
  CAPACITY_PROBE_REQUESTS  after the ladder, requests of each kind asked of
                         one app server directly for its CPU per request (100)
  EMPORIUM_EDGE_RATE     the edge's per-client limit; every shopper comes
                         from 127.0.0.1 here, so it is lifted (1000000)
  EMPORIUM_EDGE_BURST    the edge's per-client burst limit, lifted likewise
  EMPORIUM_VARNISH_STORAGE  Varnish's storage: room for the pages and
                         pictures of a big catalog's tail ("malloc,1g")
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

from bench.capacity import misses, probes, report, store
from bench.capacity.client import Pool
from bench.capacity.engine import Engine
from bench.capacity.steps import Step

# The article's ×1, ×3 and ×10, below them ×0.1 and ×0.3 to find the knee
# of a store that does not carry ×1.
LADDER = "0.1 0.3 1 3 10"


def setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


async def ladder(
    engine: Engine, cluster: store.Cluster, plan, sessions_done
) -> list[Step]:
    steps = []
    roots = cluster.roots()
    varnish_dir = cluster.workdir / "c" / "varnish"
    baseline = probes.database_state(store.DATABASE)
    for name, multiple, seconds in plan:
        cpu0 = probes.cpu_by_component(roots, os.getpid())
        varnish0 = probes.varnish_counters(varnish_dir)
        metrics0 = probes.app_metrics(store.APP_PORTS)
        engine.lag, engine.dropped, engine.loop_lags = 0.0, 0, []
        start, first = time.monotonic(), len(engine.samples)
        engine.release()
        await engine.arrive(multiple, seconds)
        end = time.monotonic()
        # The rates are over the arrivals' time; answers that come while the
        # checkouts drain for the check below are left out.
        await engine.hold()
        held = time.monotonic() - end
        answered = [x for x in engine.samples[first:] if x.done <= end]
        step = Step(name, multiple, end - start, answered, lag=engine.lag, held=held)
        step.dropped = engine.dropped
        step.loop_lags = engine.loop_lags
        cpu1 = probes.cpu_by_component(roots, os.getpid())
        step.cpu = {k: (cpu1.get(k, 0) - cpu0.get(k, 0)) / step.seconds for k in cpu1}
        varnish1 = probes.varnish_counters(varnish_dir)
        step.varnish = {k: v - varnish0.get(k, 0) for k, v in varnish1.items()}
        metrics1 = probes.app_metrics(store.APP_PORTS)
        step.cache = probes.cache_ratios(metrics0, metrics1)
        step.app_requests = probes.app_requests(metrics0, metrics1)
        check(step, baseline, engine, sessions_done())
        steps.append(step)
        print(report.step_line(step), flush=True)
    return steps


# Invariants that are counts of things that must never happen.
NEVER = (
    "order numbers answered twice",
    "payment references used twice",
    "orders without a payment",
    "idempotency keys with two orders",
    "products below zero",
    "carts lost",
)


def check(step: Step, baseline: dict, engine: Engine, carts: dict) -> None:
    """The invariants, with no checkout in flight."""
    now = probes.database_state(store.DATABASE)
    orders = now["orders"] - baseline["orders"]
    taken = baseline["stock"] - now["stock"]
    ordered = now["units ordered"] - baseline["units ordered"]
    lost = probes.carts_held(store.DATABASE, carts)
    step.invariants = {
        "orders in the database": orders,
        "checkouts answered 201": len(engine.orders),
        "order numbers answered twice": len(engine.orders) - len(set(engine.orders)),
        "payment references used twice": now["payment references used twice"],
        "orders without a payment": now["orders without a payment"],
        "idempotency keys with two orders": now["idempotency keys with two orders"],
        "stock taken": taken,
        "units ordered": ordered,
        "products below zero": now["products below zero"],
        "carts checked": len(carts),
        "carts lost": lost,
    }
    broken = step.broken
    if orders != len(engine.orders):
        broken.append(
            f"{orders} orders in the database, {len(engine.orders)} answered 201"
        )
    for name in NEVER:
        if step.invariants[name]:
            broken.append(f"{name}: {step.invariants[name]}")
    if taken != ordered:
        broken.append(f"stock taken {taken} ≠ units ordered {ordered}")


def session_carts(engine: Engine) -> dict[str, dict[int, int]]:
    """Session id → the cart it should have, for finished sessions that
    filled a cart, did not buy and did not sign in (a login moves the cart),
    and had a clear answer to every add."""
    carts = {}
    for session in engine.finished:
        cookie = session.jar.cookies.get("emporium_session", "")
        if session.uncertain or session.logged_in or session.order:
            continue
        if session.cart and cookie:
            carts[cookie.rpartition(".")[0]] = dict(session.cart)
    return carts


async def replay(cluster: store.Cluster, catalog, plan) -> tuple[list[Step], Engine]:
    pool = Pool("127.0.0.1", 8080, size=int(setting("CAPACITY_CONNECTIONS", "2000")))
    engine = Engine(
        pool,
        catalog,
        think=float(setting("CAPACITY_THINK", "1.0")),
        max_sessions=int(setting("CAPACITY_MAX_SESSIONS", "5000")),
    )
    try:
        steps = await ladder(engine, cluster, plan, lambda: session_carts(engine))
    finally:
        await engine.finish()
        pool.close()
    return steps, engine


def main() -> None:
    out = Path(setting("CAPACITY_DIR", str(store.ROOT / "var" / "capacity")))
    products = int(setting("CAPACITY_PRODUCTS", "100000"))
    step_seconds = float(setting("CAPACITY_STEP_SECONDS", "120"))
    cold = float(setting("CAPACITY_COLD_SECONDS", "60"))
    multiples = [float(x) for x in setting("CAPACITY_LADDER", LADDER).split()]
    accounts = int(setting("CAPACITY_ACCOUNTS", "1000"))
    # The cold minute at the ladder's first rate: a store past its knee
    # there would leave a backlog of sessions to the step after it.
    first = min(multiples)
    plan = ([(f"cold ×{first:g}", first, cold)] if cold else []) + [
        (f"×{m:g}", m, step_seconds) for m in multiples
    ]
    workdir = out / "cluster"
    shutil.rmtree(workdir, ignore_errors=True)  # a fresh store: nothing warm
    out.mkdir(parents=True, exist_ok=True)
    cluster = store.Cluster(
        workdir,
        products,
        int(setting("CAPACITY_WORKERS", "2")),
        {
            "EMPORIUM_EDGE_RATE": setting("EMPORIUM_EDGE_RATE", "1000000"),
            "EMPORIUM_EDGE_BURST": setting("EMPORIUM_EDGE_BURST", "1000000"),
            "EMPORIUM_VARNISH_STORAGE": setting(
                "EMPORIUM_VARNISH_STORAGE", "malloc,1g"
            ),
        },
    )
    began = time.monotonic()
    print(f"capacity: starting the cluster with {products:,} products", flush=True)
    timings = cluster.start()
    timings["cluster"] = time.monotonic() - began
    try:
        store.make_accounts(accounts)
        login = store.login_cost()
        catalog = store.catalog(accounts=accounts)
        steps, engine = asyncio.run(replay(cluster, catalog, plan))
        app1 = next(pid for pid, name in cluster.roots().items() if name == "app1")
        try:
            costs = misses.app_cpu_per_request(
                catalog, store.APP_PORTS[0], app1,
                int(setting("CAPACITY_PROBE_REQUESTS", "100")),
            )  # fmt: skip
        except (OSError, RuntimeError) as error:
            # The ladder's report matters more than this probe's figures.
            print(f"capacity: the app's CPU per miss was not measured: {error}")
            costs = {}
    finally:
        cluster.stop()  # its logs stay in var/capacity/cluster/ until the next run
    lines = report.write(out, steps, timings, login, products, engine, costs)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
