"""How gunicorn's worker models behave past capacity (docs/degrading.md):
requests per second on a dynamic API call and the latency of /health probes
sent meanwhile, for sync and gthread workers, with the load unbounded (as
HAProxy sent it before it had maxconn) and bounded to one request a worker.

    python bench/_workers.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from _catalog import seeded_database
from page import ensure_wrk, production_ini, serve, stop

SECONDS = int(os.environ.get("EMPORIUM_BENCH_SECONDS", "8"))


def probe_latencies(url: str, until: float) -> list[float]:
    found = []
    while time.monotonic() < until - 0.5:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url + "/health", timeout=10) as response:
                response.read()
            found.append((time.perf_counter() - started) * 1000)
        except OSError:
            found.append(10_000.0)
        time.sleep(0.2)
    return found


def cpu_seconds(master: int) -> float:
    """CPU time of gunicorn's workers (the master's children)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def run(wrk: str, url: str, connections: int) -> tuple[float, list[float]]:
    until = time.monotonic() + SECONDS + 1
    latencies: list[float] = []
    prober = threading.Thread(
        target=lambda: latencies.extend(probe_latencies(url, until))
    )
    prober.start()
    output = subprocess.run(
        [wrk, "-t2", f"-c{connections}", f"-d{SECONDS}s", url + "/api/v1/products/1"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    prober.join()
    rps = float(output.split("Requests/sec:")[1].split()[0])
    return rps, latencies


def main() -> None:
    wrk = ensure_wrk()
    database = seeded_database(2_000)
    workdir = Path(tempfile.mkdtemp(prefix="emporium-bench-workers-"))
    secret = {"EMPORIUM_SESSION_SECRET": "benchmark-only-" + "k" * 32}
    try:
        ini = production_ini(workdir, database)
        for model, args, connections in (
            ("sync", ["--worker-class", "sync"], 64),
            ("sync", ["--worker-class", "sync"], 2),
            ("gthread x4", ["--worker-class", "gthread", "--threads", "4"], 64),
            ("gthread x4", ["--worker-class", "gthread", "--threads", "4"], 8),
        ):
            servers: list = []
            try:
                url = serve(["--paste", str(ini), *args], secret, servers)
                for _ in range(50):
                    urllib.request.urlopen(url + "/api/v1/products/1").read()
                before = cpu_seconds(servers[0].pid)
                rps, probes = run(wrk, url, connections)
                cpu = cpu_seconds(servers[0].pid) - before
            finally:
                for server in servers:
                    stop(server)
            print(
                f"{model}, {connections} connections: {rps:.0f} requests/s, "
                f"{cpu * 1000 / (rps * SECONDS):.1f} ms CPU a request, "
                f"/health p50 {statistics.median(probes):.0f} ms, "
                f"max {max(probes):.0f} ms ({len(probes)} probes)",
                flush=True,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
