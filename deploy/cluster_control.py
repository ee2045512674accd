"""The running cluster's control channel, and the process handling it needs.

deploy/cluster.py serves one command per connection on the Unix socket
``control.sock`` in the cluster's folder and answers one line, ``ok ...`` or
``error ...``. The fault drills (bench/faults/) and operators use it:

    python deploy/cluster.py control status
    python deploy/cluster.py control restart app2

NAME is app1..app3, search1, search2, redis, postgresql, varnish or haproxy.

  status           every server: name, pid, and running, frozen, or exited N
  stop NAME        an app server is drained at HAProxy first (no new request
                   reaches it, those in flight finish), then stopped
                   gracefully; PostgreSQL gets a fast shutdown, the others
                   SIGTERM
  kill NAME        SIGKILL to the server and every process below it
  start NAME       as the cluster first started it; an app server is given
                   requests again once its /health answers and HAProxy sees
                   it up
  restart NAME     stop, then start (Varnish comes back with an empty cache)
  freeze NAME      SIGSTOP to the server and every process below it
  thaw NAME        SIGCONT to them
  reload haproxy   HAProxy re-reads its configuration (haproxy.d/*.cfg, then
                   deploy/haproxy/haproxy.cfg) and hands its listening
                   sockets to the new worker: no connection is refused
  haproxy COMMAND  one command of HAProxy's runtime API, its answer as is
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

DRAIN_WITHIN = 20.0  # seconds for an app server's requests to finish
GRACEFUL_WITHIN = 30.0  # gunicorn's graceful_timeout (20 s) and some
STOP_WITHIN = 8.0  # seconds for any other server to stop, then SIGKILL
# How a server stops at once: PostgreSQL's fast shutdown and gunicorn's
# quick one are SIGINT; the rest stop on SIGTERM.
STOP_SIGNALS = {"postgresql": signal.SIGINT, "app": signal.SIGINT}


class Failed(Exception):
    """A server would not start or stop as asked."""


def kind(name: str) -> str:
    """app1 -> app, search2 -> search."""
    return name.rstrip("0123456789")


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def signal_tree(pid: int, signum: int) -> list[int]:
    """``signum`` to ``pid`` and every process below it; the pids reached."""
    reached = []
    for each in [pid, *descendants(pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(each, signum)
            reached.append(each)
    return reached


def kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL a server and its workers: a killed gunicorn master leaves its
    workers running, still holding the port."""
    below = descendants(process.pid)
    process.kill()
    for pid in below:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait()


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the servers will: a port in TIME_WAIT is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for(port: int, process: subprocess.Popen, name: str, timeout=180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Failed(f"{name} exited ({process.returncode}); see its log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise Failed(f"{name} does not listen on 127.0.0.1:{port}")


def wait_until_healthy(url: str, timeout: float = 90.0) -> None:
    """Until ``url`` answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise Failed(f"{url} did not answer 200 within {timeout:.0f} s")


def unix_exchange(path: Path, command: str, timeout: float) -> str:
    """Sends one line to the Unix socket at ``path``; its whole answer."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def send(folder: Path, command: str, timeout: float = 300.0) -> str:
    """One command to the cluster running in ``folder``; its answer without
    the ``ok``, or ``Failed`` with the error."""
    answer = unix_exchange(Path(folder) / "control.sock", command, timeout).strip()
    status, _, rest = answer.partition(" ")
    if status != "ok":
        raise Failed(rest or answer or "no answer")
    return rest


class Control:
    """Serves the commands above for ``cluster`` (deploy/cluster.py's
    Cluster: ``specs`` and ``processes`` by name, ``start(name)``, ``frozen``)."""

    def __init__(self, cluster, folder: Path) -> None:
        self.cluster, self.folder = cluster, folder
        path = folder / "control.sock"
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(str(path))
        path.chmod(0o600)
        self.listener.listen(8)

    def close(self) -> None:
        self.listener.close()
        with contextlib.suppress(FileNotFoundError):
            (self.folder / "control.sock").unlink()

    def serve(self, timeout: float) -> str | None:
        """Answers one command if one comes within ``timeout`` seconds;
        returns the line it answered, for the cluster's output."""
        if not select.select([self.listener], [], [], timeout)[0]:
            return None
        conn, _ = self.listener.accept()
        with conn:
            conn.settimeout(10)
            try:
                line = conn.makefile("r").readline().strip()
            except OSError:
                return None
            try:
                answer = "ok " + self.run(line.split())
            except (Failed, OSError, ValueError) as error:
                answer = f"error {error}"
            with contextlib.suppress(OSError):
                conn.sendall(answer.encode() + b"\n")
        return f"{line}: {answer}"

    def run(self, words: list[str]) -> str:
        verb, *args = words or ["?"]
        if verb == "status":
            return self.status()
        if verb == "haproxy" and args:
            return self.haproxy(" ".join(args)).strip()
        if verb == "reload" and args == ["haproxy"]:
            return self.reload_haproxy()
        actions = {
            "stop": self.stop,
            "kill": self.kill,
            "start": self.start,
            "restart": self.restart,
            "freeze": self.freeze,
            "thaw": self.thaw,
        }
        if verb not in actions or len(args) != 1:
            raise ValueError(f"unknown command {' '.join(words)!r}; see {__file__}")
        if args[0] not in self.cluster.specs:
            raise ValueError(
                f"no server {args[0]!r}; there are {', '.join(self.cluster.specs)}"
            )
        return actions[verb](args[0])

    # -- the commands ----------------------------------------------------
    def status(self) -> str:
        lines = []
        for name, process in self.cluster.processes.items():
            code = process.poll()
            state = (
                f"exited {code}"
                if code is not None
                else "frozen"
                if name in self.cluster.frozen
                else "running"
            )
            lines.append(f"{name} {process.pid} {state}")
        return "; ".join(lines)

    def _running(self, name: str) -> subprocess.Popen | None:
        process = self.cluster.processes.get(name)
        return process if process and process.poll() is None else None

    def stop(self, name: str) -> str:
        process = self._running(name)
        if process is None:
            return f"{name} is not running"
        self.thaw(name)
        began = time.monotonic()
        if kind(name) == "app":
            self._drain(name)
            process.send_signal(signal.SIGTERM)  # gunicorn's graceful stop
            within = GRACEFUL_WITHIN
        else:
            process.send_signal(STOP_SIGNALS.get(kind(name), signal.SIGTERM))
            within = STOP_WITHIN
        try:
            process.wait(within)
        except subprocess.TimeoutExpired:
            kill_tree(process)
            return f"{name} killed: it did not stop within {within:.0f} s"
        return f"{name} stopped in {time.monotonic() - began:.1f} s"

    def kill(self, name: str) -> str:
        process = self._running(name)
        if process is None:
            return f"{name} is not running"
        kill_tree(process)
        self.cluster.frozen.pop(name, None)
        return f"{name} killed"

    def start(self, name: str) -> str:
        if self._running(name):
            raise Failed(f"{name} is running")
        port = self.cluster.specs[name][1]
        deadline = time.monotonic() + 10
        while not port_free(port):
            if time.monotonic() > deadline:
                raise Failed(f"port {port} is still taken")
            time.sleep(0.2)
        began = time.monotonic()
        self.cluster.start(name)
        if kind(name) == "app":
            wait_until_healthy(f"http://127.0.0.1:{port}/health", 180)
            self.haproxy(f"set server app_servers/{name} state ready")
            self._wait_up(name)
        return f"{name} started in {time.monotonic() - began:.1f} s"

    def restart(self, name: str) -> str:
        return f"{self.stop(name)}; {self.start(name)}"

    def freeze(self, name: str) -> str:
        process = self._running(name)
        if process is None:
            raise Failed(f"{name} is not running")
        pids = signal_tree(process.pid, signal.SIGSTOP)
        self.cluster.frozen[name] = pids
        return f"{name} frozen ({len(pids)} processes)"

    def thaw(self, name: str) -> str:
        pids = self.cluster.frozen.pop(name, [])
        process = self._running(name)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        if process:
            signal_tree(process.pid, signal.SIGCONT)
        return f"{name} thawed"

    # -- HAProxy ---------------------------------------------------------
    def haproxy(self, command: str) -> str:
        return unix_exchange(self.folder / "haproxy.sock", command, 10)

    def _server_stat(self, backend: str, server: str) -> dict[str, str]:
        header, *rows = self.haproxy("show stat").strip().splitlines()
        names = header.lstrip("# ").split(",")
        for row in rows:
            fields = dict(zip(names, row.split(","), strict=False))
            if fields.get("pxname") == backend and fields.get("svname") == server:
                return fields
        raise Failed(f"HAProxy has no server {backend}/{server}")

    def _drain(self, name: str) -> None:
        """No new request for ``name``; until those it holds are answered."""
        self.haproxy(f"set server app_servers/{name} state maint")
        deadline = time.monotonic() + DRAIN_WITHIN
        while time.monotonic() < deadline:
            stat = self._server_stat("app_servers", name)
            if stat.get("scur") == "0" and stat.get("qcur") in ("0", ""):
                return
            time.sleep(0.1)

    def _wait_up(self, name: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._server_stat("app_servers", name).get("status") == "UP":
                return
            time.sleep(0.2)
        raise Failed(f"HAProxy does not see {name} up within {timeout:.0f} s")

    def reload_haproxy(self) -> str:
        process = self._running("haproxy")
        if process is None:
            raise Failed("haproxy is not running")
        before = self._worker()
        process.send_signal(signal.SIGUSR2)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            time.sleep(0.2)
            with contextlib.suppress(OSError):
                if (now := self._worker()) not in (before, None):
                    return f"haproxy reloaded: worker {before} -> {now}"
        raise Failed("HAProxy kept its old configuration; see logs/haproxy.log")

    def _worker(self) -> str | None:
        for line in self.haproxy("show info").splitlines():
            if line.startswith("Pid:"):
                return line.split(":", 1)[1].strip()
        return None
