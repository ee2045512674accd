"""The drills: each does its fault to the running cluster through its
control channel (deploy/cluster_control.py) and returns once the component
is back, with notes on what it did."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.capacity.store import ROOT


def _cluster():
    """deploy/cluster.py, for its ports and its control channel's client
    (deploy/ is no package)."""
    spec = importlib.util.spec_from_file_location(
        "emporium_cluster_script", ROOT / "deploy" / "cluster.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Its ports follow EMPORIUM_CLUSTER_PORT_OFFSET, as the cluster's own do.
cluster = _cluster()
DATABASE = f"postgresql://emporium@127.0.0.1:{cluster.PG_PORT}/emporium"


@dataclass
class Context:
    folder: Path  # the cluster's folder: control.sock, haproxy.d/, cache/
    down: float  # seconds a killed component stays down
    freeze: float  # seconds PostgreSQL stays frozen
    cache_map_size: int  # the object-cache store's map size, in bytes

    def ctl(self, command: str) -> str:
        return cluster.send(self.folder, command)


@dataclass(frozen=True)
class Drill:
    name: str
    title: str
    run: Callable[[Context], list[str]]


def app_kill(ctx: Context) -> list[str]:
    notes = [ctx.ctl("kill app1")]
    time.sleep(ctx.down)
    return notes + [ctx.ctl("start app1")]


def rolling_restart(ctx: Context) -> list[str]:
    return [ctx.ctl(f"restart app{n}") for n in (1, 2, 3)]


def search_kill(ctx: Context) -> list[str]:
    notes = [ctx.ctl("kill search1")]
    time.sleep(ctx.down)
    notes.append(ctx.ctl("kill search2"))
    time.sleep(ctx.down)
    return notes + [ctx.ctl("start search1"), ctx.ctl("start search2")]


def redis_kill(ctx: Context) -> list[str]:
    notes = [ctx.ctl("kill redis")]
    time.sleep(ctx.down)
    return notes + [ctx.ctl("start redis")]


def postgresql_restart(ctx: Context) -> list[str]:
    return [ctx.ctl("restart postgresql")]


def postgresql_freeze(ctx: Context) -> list[str]:
    notes = [ctx.ctl("freeze postgresql")]
    time.sleep(ctx.freeze)
    return notes + [ctx.ctl("thaw postgresql")]


def varnish_restart(ctx: Context) -> list[str]:
    return [ctx.ctl("restart varnish")]


# The change the reload drill makes: the balancer's queue bound, one less
# than haproxy.cfg's default, set before haproxy.cfg reads it.
QUEUE_SETTING, QUEUE_VALUE = "EMPORIUM_APP_QUEUE", "59"


def haproxy_reload(ctx: Context) -> list[str]:
    (ctx.folder / "haproxy.d" / "50-faults.cfg").write_text(
        "# Written by the fault drill: a changed knob, read at the reload.\n"
        f"global\n    setenv {QUEUE_SETTING} {QUEUE_VALUE}\n"
    )
    notes = [ctx.ctl("reload haproxy")]
    live = ctx.ctl(f"haproxy show env {QUEUE_SETTING}")
    if live != f"{QUEUE_SETTING}={QUEUE_VALUE}":
        notes.append(f"the new configuration is not live: {live!r}")
    else:
        notes.append(f"the new worker runs with {live}")
    return notes


def cache_full(ctx: Context) -> list[str]:
    """Fills the host's object-cache store (LMDB) to its map size with
    entries no app asks for, as a store grown full would be."""
    import lmdb

    path = ctx.folder / "cache" / "objects"
    # The apps' map size exactly: a larger one would grow the file under them.
    env = lmdb.open(str(path), map_size=ctx.cache_map_size, max_dbs=0)
    written, size = 0, 1 << 20
    try:
        while size >= 512:
            try:
                with env.begin(write=True) as txn:
                    txn.put(b"faults-fill-%d" % written, b"\0" * size)
                written += 1
            except lmdb.MapFullError:
                size //= 2
        used = env.info()["last_pgno"] * env.stat()["psize"]
    finally:
        env.close()
    return [
        f"{written} entries written; {used / 2**20:.1f} of "
        f"{ctx.cache_map_size / 2**20:.0f} MiB used"
    ]


DRILLS = [
    Drill("app-kill", "kill -9 one app server (app1), back after the pause", app_kill),
    Drill(
        "rolling-restart",
        "rolling restart of every app server, each drained at HAProxy first",
        rolling_restart,
    ),
    Drill(
        "search-kill",
        "kill -9 one search server, then the other; both back after the pause",
        search_kill,
    ),
    Drill("redis-kill", "kill -9 Redis, restarted after the pause", redis_kill),
    Drill(
        "postgresql-restart",
        "PostgreSQL restarted (fast shutdown)",
        postgresql_restart,
    ),
    Drill(
        "postgresql-freeze",
        "PostgreSQL frozen (SIGSTOP), then SIGCONT",
        postgresql_freeze,
    ),
    Drill("varnish-restart", "Varnish restarted with an empty cache", varnish_restart),
    Drill(
        "haproxy-reload",
        "HAProxy reloaded with a changed configuration",
        haproxy_reload,
    ),
    Drill(
        "cache-full",
        "the host's object-cache store (LMDB) filled to its map size",
        cache_full,
    ),
]
