"""What a request Varnish cannot answer costs an app server, by kind: the
CPU its processes spend per request, asked directly (past Varnish and the
balancer), one request at a time, each for a URL not asked before in this
probe. With the report's misses and passes per page view it says where the
app's CPU goes.

    python -m bench.capacity.misses var/capacity/cluster
                        (a running cluster's folder, as the runner makes it)
"""

from __future__ import annotations

import http.client
import os
import random
import sys
import time
from pathlib import Path

from bench.capacity.probes import _stat
from bench.capacity.shoppers import SORTS, WORDS, Catalog

# Each kind's URL for a draw; the cart's summary stands for the passes
# every page view may make (no session: the cheapest pass there is).
KINDS = {
    "image": lambda c, r: f"/images/products/{r.randint(1, c.products)}.svg",
    "product": lambda c, r: f"/products/{r.randint(1, c.products)}",
    "category": lambda c, r: r.choice(c.categories),
    "search": lambda c, r: (
        f"/search?q={r.choice(WORDS)}+{r.choice(WORDS)}&sort={r.choice(SORTS)}"
    ),
    "front": lambda c, r: r.choice(c.fronts),
}


def tree_cpu(root: int) -> float:
    """CPU seconds of ``root`` and every process under it, with what they
    reaped."""
    stats = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(p))}
    total = 0.0
    for pid, (_, own, reaped) in stats.items():
        walk = pid
        while walk > 1 and walk != root:
            walk = stats.get(walk, (0,))[0]
        if walk == root:
            total += own + reaped
    return total


def app_cpu_per_request(
    catalog: Catalog, port: int, root: int, count: int = 100, seed: int = 12
) -> dict[str, float]:
    """kind → ms of the app server's CPU per request (``count`` requests
    each, distinct URLs where the catalog has enough)."""
    rng = random.Random(seed)
    out = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for kind, draw in KINDS.items():
            seen: set[str] = set()
            paths = []
            for _ in range(count * 20):
                if len(paths) == count:
                    break
                path = draw(catalog, rng)
                if path not in seen or kind == "front":
                    seen.add(path)
                    paths.append(path)
            before = tree_cpu(root)
            for path in paths:
                _get(conn, path)
            out[kind] = (tree_cpu(root) - before) * 1000 / len(paths)
    finally:
        conn.close()
    return out


def _get(conn: http.client.HTTPConnection, path: str, tries: int = 5) -> None:
    """GET ``path`` until it answers 200. Every probe request comes from one
    address without a session, so the app's per-address throttle may answer
    429: wait what its Retry-After says and ask again (the waiting costs the
    app no CPU; a refused request costs it little)."""
    for _ in range(tries):
        conn.request("GET", path, headers={"X-Forwarded-Proto": "http"})
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            return
        if response.status != 429:
            break
        time.sleep(min(float(response.getheader("Retry-After") or 1), 10.0))
    raise RuntimeError(f"misses: {path} answered {response.status}")


def main() -> None:
    from bench.capacity import store

    workdir = Path(sys.argv[1] if len(sys.argv) > 1 else "var/capacity/cluster")
    roots = store.Cluster(workdir, 0, 0, {}).roots()
    app1 = next((pid for pid, name in roots.items() if name == "app1"), None)
    if app1 is None:
        raise SystemExit(f"misses: no app1 in {workdir / 'cluster.out'}")
    costs = app_cpu_per_request(store.catalog(), store.APP_PORTS[0], app1)
    for kind, ms in costs.items():
        print(f"app_cpu_ms_per_{kind}: {ms:.1f}")


if __name__ == "__main__":
    main()
