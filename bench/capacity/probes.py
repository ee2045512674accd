"""What the runner reads from the running cluster between steps: CPU time
per component from /proc, Varnish's counters, the apps' /metrics, and the
invariants in PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
# cluster.py's names for what it starts; the others are grouped as these.
COMPONENTS = {
    "postgresql": "postgresql",
    "redis": "redis",
    "search1": "search",
    "search2": "search",
    "app1": "app",
    "app2": "app",
    "app3": "app",
    "haproxy": "haproxy",
    "varnish": "varnish",
}


def _stat(pid: str) -> tuple[int, float, float] | None:
    """(parent pid, own CPU seconds, CPU seconds of children it reaped)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return int(fields[1]), (utime + stime) / TICK, (cutime + cstime) / TICK


def cpu_by_component(roots: dict[int, str], generator: int) -> dict[str, float]:
    """CPU seconds so far of each component: every process under one of
    ``roots`` (pid → cluster.py's name) counts for it, with what the root's
    exited children used; ``generator`` is the load generator's own process;
    everything else on the machine is ``other``; ``total`` is the machine's."""
    stats = {
        pid: s for pid in os.listdir("/proc") if pid.isdigit() and (s := _stat(pid))
    }
    parent = {int(pid): s[0] for pid, s in stats.items()}
    seconds: Counter[str] = Counter()
    for pid, (_, own, reaped) in stats.items():
        walk, name = int(pid), None
        while walk > 1:
            if walk == generator:
                name = "generator"
                break
            if walk in roots:
                name = COMPONENTS.get(roots[walk], roots[walk])
                break
            walk = parent.get(walk, 0)
        seconds[name or "other"] += own
        if int(pid) in roots or int(pid) == generator:
            seconds[name] += reaped
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    busy = sum(int(x) for i, x in enumerate(fields[:8]) if i not in (3, 4))
    seconds["total"] = busy / TICK
    seconds["other"] = max(
        0.0,
        seconds["total"]
        - sum(v for k, v in seconds.items() if k not in ("total", "other")),
    )
    return dict(seconds)


def varnish_counters(workdir: Path) -> dict[str, int]:
    out = subprocess.run(
        ["varnishstat", "-n", str(workdir), "-1", "-j",
         "-f", "MAIN.cache_*", "-f", "MAIN.s_pass", "-f", "MAIN.client_req",
         "-f", "MAIN.s_synth", "-f", "MAIN.n_lru_nuked"],
        capture_output=True, text=True, timeout=20,
    )  # fmt: skip
    if out.returncode != 0:
        return {}
    data = json.loads(out.stdout)
    counters = data.get("counters", data)
    return {
        name.removeprefix("MAIN."): value["value"]
        for name, value in counters.items()
        if isinstance(value, dict) and "value" in value
    }


_METRIC = re.compile(r"^(\w+)\{([^}]*)\} ([0-9.eE+-]+)$")


def app_metrics(ports: tuple[int, ...]) -> dict[tuple[str, str], float]:
    """The app servers' counters summed: (name, labels) → value."""
    total: dict[tuple[str, str], float] = defaultdict(float)
    for port in ports:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/metrics", timeout=10
            ) as r:
                text = r.read().decode()
        except OSError:
            continue
        for line in text.splitlines():
            if found := _METRIC.match(line):
                total[(found.group(1), found.group(2))] += float(found.group(3))
    return dict(total)


def cache_ratios(before: dict, after: dict) -> dict[tuple[str, str], tuple[int, int]]:
    """(tier, partition) → (hits, misses) between two ``app_metrics``."""
    out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for (name, labels), value in after.items():
        if name not in ("emporium_cache_hits_total", "emporium_cache_misses_total"):
            continue
        label = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        delta = int(value - before.get((name, labels), 0))
        key = (label.get("tier", "?"), label.get("partition", "?"))
        out[key][0 if name.endswith("hits_total") else 1] += delta
    return {key: (h, m) for key, (h, m) in out.items() if h or m}


def app_requests(before: dict, after: dict) -> int:
    """Requests the apps answered between two ``app_metrics``, health checks
    and /metrics left out."""
    total = 0
    for (name, labels), value in after.items():
        if name == "emporium_requests_total" and not re.search(
            r'route="(health|metrics)"', labels
        ):
            total += int(value - before.get((name, labels), 0))
    return total


INVARIANTS = {
    "orders": "SELECT count(*) FROM orders",
    "payment references used twice": """SELECT count(*) FROM (SELECT payment_reference
        FROM orders GROUP BY payment_reference HAVING count(*) > 1) d""",
    "orders without a payment": """SELECT count(*) FROM orders
        WHERE coalesce(payment_reference, '') = ''""",
    "idempotency keys with two orders": """SELECT count(*) FROM (
        SELECT scope, key FROM idempotency_keys GROUP BY scope, key
        HAVING count(DISTINCT order_id) > 1) d""",
    "units ordered": "SELECT coalesce(sum(quantity), 0) FROM order_lines",
    "stock": "SELECT coalesce(sum(stock), 0) FROM products",
    "products below zero": "SELECT count(*) FROM products WHERE stock < 0",
}


def database_state(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        return {
            name: conn.execute(sql).fetchone()[0] for name, sql in INVARIANTS.items()
        }


def carts_held(url: str, carts: dict[str, dict[int, int]]) -> int:
    """How many of ``carts`` (session id → product → quantity) the database
    does not hold exactly."""
    import psycopg

    if not carts:
        return 0
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """SELECT c.session_id, l.product_id, l.quantity FROM carts c
               JOIN cart_lines l ON l.cart_id = c.id WHERE c.session_id = ANY(%s)""",
            (list(carts),),
        ).fetchall()
    held: dict[str, dict[int, int]] = defaultdict(dict)
    for session_id, product, quantity in rows:
        held[session_id][product] = quantity
    return sum(
        1 for session_id, lines in carts.items() if held.get(session_id) != lines
    )
