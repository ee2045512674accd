"""`make cluster`: the whole picture of DESIGN.md on loopback.

    HAProxy :8080 (edge, rate limit) -> Varnish :6081 -> HAProxy :8090
    -> 3 app servers (gunicorn, :6541-6543) -> PostgreSQL :5433, Redis :6380
    and 2 search servers (:7101, :7102), the apps spreading queries over them
    (every port moved by EMPORIUM_CLUSTER_PORT_OFFSET when set).

Everything lives under var/cluster/: data, logs, the generated .ini and the
secrets (made once, kept out of the repository). Debian's packages are
installed when missing. Ctrl-C, SIGINT or SIGTERM stops every process, by its
pid, within seconds, however this was started (a shell starts a background
job with SIGINT ignored, and its children would inherit that).

cluster.ini is written anew at every start from production.ini; settings of
your own go in local.ini beside it (an [app:main] section), which wins.
Each log in logs/ is cut at EMPORIUM_CLUSTER_LOG_MB (64) megabytes, the
previous part kept as <name>.log.1. Redis, a cache here, keeps at most
EMPORIUM_REDIS_MAXMEMORY (256mb), dropping the least recently used of what
has a TTL.

While it runs, each server can be stopped, killed, started, restarted,
frozen and thawed by name through control.sock (docs/faults.md), as the
fault drills do; HAProxy runs in master-worker mode and reloads its
configuration (haproxy.d/, read before deploy/haproxy/haproxy.cfg) without
dropping a connection.

    python deploy/cluster.py [--products N] [--workers N]
    python deploy/cluster.py control status | restart app2 | reload haproxy ...
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

# The control channel lives beside this file (deploy/ is no package).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from cluster_control import (  # noqa: E402
    STOP_SIGNALS,
    STOP_WITHIN,
    Control,
    Failed,
    kill_tree,
    kind,
    port_free,
    send,
    wait_for,
    wait_until_healthy,
)

ROOT = Path(__file__).resolve().parent.parent
# EMPORIUM_CLUSTER_DIR moves it (the tests run a cluster in a temporary folder).
HERE = Path(os.environ.get("EMPORIUM_CLUSTER_DIR") or ROOT / "var" / "cluster")
BIN = Path(sys.executable).parent
POSTGRES = Path("/usr/lib/postgresql/15/bin")
VMODS = Path("/usr/lib/x86_64-linux-gnu/varnish/vmods")

# EMPORIUM_CLUSTER_PORT_OFFSET moves every port by as much, so that a second
# cluster (a test's, the fault drills') runs beside a developer's.
OFFSET = int(os.environ.get("EMPORIUM_CLUSTER_PORT_OFFSET") or 0)
EDGE, VARNISH, APPS = 8080 + OFFSET, 6081 + OFFSET, 8090 + OFFSET
APP_PORTS = tuple(port + OFFSET for port in (6541, 6542, 6543))
SEARCH_FRONT = 7100 + OFFSET
SEARCH_PORTS = tuple(port + OFFSET for port in (7101, 7102))
PG_PORT, REDIS_PORT = 5433 + OFFSET, 6380 + OFFSET
PORTS = (EDGE, VARNISH, APPS, *APP_PORTS, SEARCH_FRONT, *SEARCH_PORTS, PG_PORT,
         REDIS_PORT)  # fmt: skip

PACKAGES = {
    "/usr/lib/postgresql/15/bin/initdb": "postgresql-15",
    "/usr/bin/redis-server": "redis-server",
    "/usr/sbin/varnishd": "varnish",
    str(VMODS / "libvmod_xkey.so"): "varnish-modules",
    str(VMODS / "libvmod_digest.so"): "varnish-vmod-digest",
    "/usr/sbin/haproxy": "haproxy",
}


def say(message: str) -> None:
    print(f"cluster: {message}", flush=True)


def install_missing() -> None:
    missing = sorted({pkg for path, pkg in PACKAGES.items() if not Path(path).exists()})
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"cluster: missing Debian packages {missing}; install them as root")
    say(f"installing {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        check=True,
        env=env,
    )


# gunicorn 25.1 and later open a control socket, one path per user for every
# server: three app servers would take it from each other, and closing it
# adds seconds to each stop. The cluster has no use for it.
NO_CONTROL_SOCKET = (
    ["--no-control-socket"]
    if tuple(int(x) for x in version("gunicorn").split(".")[:2]) >= (25, 1)
    else []
)
LOG_LIMIT = int(os.environ.get("EMPORIUM_CLUSTER_LOG_MB") or 64) * 1024 * 1024


def stop_on_signals() -> None:
    """SIGINT and SIGTERM stop the cluster, even when started in the
    background (where SIGINT comes ignored). Children started after this
    get the default handlers, not an inherited SIG_IGN."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


class Cluster:
    """The servers by name: how each was started (``specs``, so that the
    control channel can start it again) and its process now."""

    def __init__(self) -> None:
        self.specs: dict[str, tuple[list[str], int, dict]] = {}
        self.processes: dict[str, subprocess.Popen] = {}
        self.frozen: dict[str, list[int]] = {}  # name -> the pids SIGSTOPped
        (HERE / "logs").mkdir(parents=True, exist_ok=True)

    def start(self, name: str, argv=None, port=None, **kwargs) -> None:
        """Starts ``name`` with ``argv``, or as it was started before."""
        if argv is not None:
            self.specs[name] = (argv, port, kwargs)
        argv, port, kwargs = self.specs[name]
        with (HERE / "logs" / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(argv, stdout=log, stderr=log, **kwargs)
        self.processes[name] = process
        wait_for(port, process, name)
        say(f"{name} on 127.0.0.1:{port} (pid {process.pid})")

    def rotate_logs(self) -> None:
        """Copies a log past LOG_LIMIT to <name>.log.1 and empties it; the
        servers write with O_APPEND, so they carry on at its new end (the
        lines written between the copy and the cut are lost)."""
        for path in (HERE / "logs").glob("*.log"):
            try:
                if path.stat().st_size > LOG_LIMIT:
                    shutil.copyfile(path, path.with_suffix(".log.1"))
                    os.truncate(path, 0)
            except OSError:
                pass

    def stop(self) -> None:
        """The servers first, then the stores they use (an app worker that
        lost Redis retries while it exits), each wave within STOP_WITHIN
        seconds or killed."""
        # A second Ctrl-C must not leave servers behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for pids in self.frozen.values():  # a frozen server cannot stop
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)
        stores = ("postgresql", "redis")
        began = time.monotonic()
        running = list(reversed(self.processes.items()))
        for wave in (
            [p for p in running if p[0] not in stores],
            [p for p in running if p[0] in stores],
        ):
            for name, process in wave:
                if process.poll() is None:
                    process.send_signal(STOP_SIGNALS.get(kind(name), signal.SIGTERM))
            deadline = time.monotonic() + STOP_WITHIN
            for name, process in wave:
                try:
                    process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    kill_tree(process)
                    say(f"killed {name}: it did not stop within {STOP_WITHIN:.0f} s")
                    continue
                say(f"stopped {name} ({time.monotonic() - began:.1f} s)")


def secrets_env() -> dict[str, str]:
    path = HERE / "secrets.env"
    if not path.exists():
        path.write_text(
            f"EMPORIUM_SESSION_SECRET={secrets.token_urlsafe(48)}\n"
            f"EMPORIUM_TOKENS_SECRET={secrets.token_urlsafe(48)}\n"
        )
        path.chmod(0o600)
    return dict(line.split("=", 1) for line in path.read_text().split())


def local_settings() -> dict[str, str]:
    """The operator's own [app:main] settings from local.ini, if any."""
    path = HERE / "local.ini"
    if not path.exists():
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # setting names are case-sensitive
    parser.read(path)
    return dict(parser["app:main"]) if parser.has_section("app:main") else {}


def write_ini() -> Path:
    """production.ini with the cluster's addresses, then local.ini's settings."""
    overrides = {
        "sqlalchemy.url": f"postgresql+psycopg://emporium@127.0.0.1:{PG_PORT}/emporium",
        "emporium.themes.directories": str(ROOT / "themes"),
        "cache.tiers": "memory local redis",
        "cache.local.arguments.path": str(HERE / "cache" / "objects"),
        "cache.redis.arguments.url": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "emporium.throttle.storage": f"redis://127.0.0.1:{REDIS_PORT}/1",
        "emporium.search.index": str(HERE / "search"),
        "emporium.search.servers": " ".join(
            f"http://127.0.0.1:{port}" for port in SEARCH_PORTS
        ),
        "emporium.purge.proxies": f"http://127.0.0.1:{VARNISH}",
        "emporium.trusted_proxies": "127.0.0.1",
    } | local_settings()
    lines = [
        "# Written by deploy/cluster.py at every start: edits here are lost.",
        f"# Put settings of your own in {HERE / 'local.ini'} ([app:main]).",
    ]
    seen, section = set(), None
    for line in (ROOT / "production.ini").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            if section == "[app:main]":
                lines += [f"{k} = {v}" for k, v in overrides.items() if k not in seen]
            section = stripped
        key = line.split("=", 1)[0].strip() if "=" in line else None
        if section == "[app:main]" and key in overrides and not line.startswith(" "):
            lines.append(f"{key} = {overrides[key]}")
            seen.add(key)
            continue
        if section == "[alembic]" and key == "script_location":
            lines.append(f"script_location = {ROOT / 'migrations'}")
            continue
        lines.append(line)
    ini = HERE / "cluster.ini"
    ini.write_text("\n".join(lines) + "\n")
    return ini


def psql(sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "emporium",
         "-d", "postgres", "-tAc", sql],
        capture_output=True, text=True,
    )  # fmt: skip


def start_postgresql(cluster: Cluster) -> None:
    data = HERE / "pg"
    user = "postgres" if os.geteuid() == 0 else None
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(data, user)
        made = subprocess.run(
            [str(POSTGRES / "initdb"), "-D", str(data), "-U", "emporium",
             "--auth=trust", "--encoding=UTF8"],
            capture_output=True, text=True, user=user,
        )  # fmt: skip
        if made.returncode != 0:
            sys.exit(f"cluster: initdb failed: {made.stderr.strip()}")
    cluster.start(
        "postgresql",
        [str(POSTGRES / "postgres"), "-D", str(data), "-p", str(PG_PORT),
         "-k", str(data), "-c", "listen_addresses=127.0.0.1",
         "-c", "max_connections=200"],
        PG_PORT,
        user=user,
    )  # fmt: skip
    for _ in range(50):
        probe = psql("SELECT 1 FROM pg_database WHERE datname = 'emporium'")
        if probe.returncode == 0:
            break
        time.sleep(0.2)
    if probe.stdout.strip() != "1":
        created = psql("CREATE DATABASE emporium")
        if created.returncode != 0:
            sys.exit(f"cluster: cannot create the database: {created.stderr}")


def site_vcl() -> Path:
    """A folder to put first on Varnish's vcl_path, holding the shipped
    emporium-site.vcl with this cluster's port for the balancer."""
    folder = HERE / "vcl"
    folder.mkdir(exist_ok=True)
    shipped = (ROOT / "deploy" / "varnish" / "emporium-site.vcl").read_text()
    (folder / "emporium-site.vcl").write_text(
        re.sub(r'\.port = "\d+";', f'.port = "{APPS}";', shipped, count=1)
    )
    return folder


def haproxy_runtime() -> Path:
    """haproxy.d/, read before the shipped haproxy.cfg at every start and
    reload: the runtime API's socket, written here, and an operator's own
    files (a ``global`` section's ``setenv`` changes a knob of haproxy.cfg)."""
    folder = HERE / "haproxy.d"
    folder.mkdir(exist_ok=True)
    (folder / "00-cluster.cfg").write_text(
        "# Written by deploy/cluster.py at every start: the runtime API, used by\n"
        "# its control channel (drain an app server, reload without a refusal).\n"
        "global\n"
        f"    stats socket {HERE / 'haproxy.sock'} mode 600 level admin"
        " expose-fd listeners\n"
    )
    return folder


def control_command(words: list[str]) -> None:
    """``cluster.py control WORDS...``: one command to the running cluster."""
    try:
        print(send(HERE, " ".join(words)))
    except (Failed, OSError) as error:
        sys.exit(f"cluster: {error}")


def main() -> None:
    if sys.argv[1:2] == ["control"]:
        return control_command(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    busy = [port for port in PORTS if not port_free(port)]
    if busy:
        sys.exit(f"cluster: ports already in use: {busy}")
    install_missing()
    HERE.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, **secrets_env())
    ini = write_ini()
    cluster = Cluster()
    began = time.monotonic()
    failed, control = False, None
    stop_on_signals()
    try:
        start_postgresql(cluster)
        (HERE / "redis").mkdir(exist_ok=True)
        cluster.start(
            "redis",
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
             "--dir", str(HERE / "redis"), "--save", "60 1000",
             # A cache: bounded, and what it drops first is what expires
             # anyway (every cache entry and counter has a TTL).
             "--maxmemory", os.environ.get("EMPORIUM_REDIS_MAXMEMORY") or "256mb",
             "--maxmemory-policy", "volatile-lru"],
            REDIS_PORT,
        )  # fmt: skip
        emporium = str(BIN / "emporium")
        for step in (
            [emporium, "migrate", str(ini)],
            [
                emporium,
                "seed",
                str(ini),
                "--products",
                str(args.products),
                "--if-empty",
            ],
            [emporium, "reindex", str(ini), "--if-missing"],
        ):
            subprocess.run(step, check=True, env=env, cwd=ROOT)
        for number, port in enumerate(SEARCH_PORTS, start=1):
            cluster.start(
                f"search{number}",
                [emporium, "search-server", str(ini), "--port", str(port)],
                port,
                env=env,
                cwd=ROOT,
            )
        for number, port in enumerate(APP_PORTS, start=1):
            cluster.start(
                f"app{number}",
                [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                 *NO_CONTROL_SOCKET, "--paste", str(ini)],
                port,
                env=dict(env, EMPORIUM_BIND=f"127.0.0.1:{port}",
                         EMPORIUM_METRICS_DIR=str(HERE / "metrics" / str(port)),
                         EMPORIUM_TEMPLATE_CACHE=str(HERE / "cache" / "templates"),
                         EMPORIUM_WORKERS=str(args.workers)),
                cwd=ROOT,
            )  # fmt: skip
        haproxy_env = dict(
            env,
            EMPORIUM_EDGE=f"127.0.0.1:{EDGE}",
            EMPORIUM_VARNISH=f"127.0.0.1:{VARNISH}",
            EMPORIUM_APPS_BIND=f"127.0.0.1:{APPS}",
            EMPORIUM_APP1=f"127.0.0.1:{APP_PORTS[0]}",
            EMPORIUM_APP2=f"127.0.0.1:{APP_PORTS[1]}",
            EMPORIUM_APP3=f"127.0.0.1:{APP_PORTS[2]}",
            EMPORIUM_SEARCH=f"127.0.0.1:{SEARCH_FRONT}",
            EMPORIUM_SEARCH1=f"127.0.0.1:{SEARCH_PORTS[0]}",
            EMPORIUM_SEARCH2=f"127.0.0.1:{SEARCH_PORTS[1]}",
            EMPORIUM_EDGE_RATE=os.environ.get("EMPORIUM_EDGE_RATE", "200"),
        )
        # Master-worker (-W): SIGUSR2 reloads, the listeners handed over.
        cluster.start(
            "haproxy",
            ["/usr/sbin/haproxy", "-W", "-db", "-f", str(haproxy_runtime()),
             "-f", str(ROOT / "deploy" / "haproxy" / "haproxy.cfg")],
            EDGE,
            env=haproxy_env,
        )  # fmt: skip
        cluster.start(
            "varnish",
            ["/usr/sbin/varnishd", "-F", "-j", "none", "-n", str(HERE / "varnish"),
             "-a", f"127.0.0.1:{VARNISH}",
             "-f", str(ROOT / "deploy" / "varnish" / "emporium.vcl"),
             # emporium-site.vcl: the apps behind HAProxy on APPS.
             "-p", f"vcl_path={site_vcl()}:{ROOT / 'deploy' / 'varnish'}",
             "-s", os.environ.get("EMPORIUM_VARNISH_STORAGE") or "malloc,256m"],
            VARNISH,
            env=env,
        )  # fmt: skip
        wait_until_healthy(f"http://127.0.0.1:{EDGE}/health")
        say(f"ready in {time.monotonic() - began:.1f} s")
        say(f"the store is on http://127.0.0.1:{EDGE}/ — Ctrl-C stops everything")
        control = Control(cluster, HERE)
        say(f"control channel on {HERE / 'control.sock'} (docs/faults.md)")
        # A server that dies is reported; the others carry on (HAProxy fails
        # over), as they would on a fleet. Ctrl-C stops everything.
        reported: set[int] = set()
        while any(process.poll() is None for process in cluster.processes.values()):
            for name, process in cluster.processes.items():
                if process.poll() is not None and process.pid not in reported:
                    reported.add(process.pid)
                    say(f"{name} exited ({process.returncode}); the rest go on")
            cluster.rotate_logs()
            if answered := control.serve(1.0):
                say(f"control: {answered}")
    except KeyboardInterrupt:
        say("stopping")
    except Failed as error:
        say(f"{error}; stopping")
        failed = True
    finally:
        if control:
            control.close()
        cluster.stop()
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
