"""A real Emporium app server process (pserve + waitress) on loopback."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from tests.conftest import ROOT
from tests.services import free_port, stop, wait_for_port


def write_ini(path: Path, settings: dict, port: int, threads: int = 24) -> Path:
    lines = ["[app:main]", "use = egg:emporium"]
    for key, value in settings.items():
        if key == "here":
            continue
        value = str(value).replace("\n", "\n    ").replace("%", "%%")
        lines.append(f"{key} = {value}")
    lines += [
        "",
        "[server:main]",
        "use = egg:waitress#main",
        f"listen = 127.0.0.1:{port}",
        f"threads = {threads}",
        "connection_limit = 200",
        "",
        "[alembic]",
        f"script_location = {ROOT / 'migrations'}",
        "",
        "[loggers]",
        "keys = root",
        "",
        "[handlers]",
        "keys = console",
        "",
        "[formatters]",
        "keys = generic",
        "",
        "[logger_root]",
        "level = WARN",
        "handlers = console",
        "",
        "[handler_console]",
        "class = StreamHandler",
        "args = (sys.stderr,)",
        "formatter = generic",
        "",
        "[formatter_generic]",
        "format = %(levelname)s [%(name)s] %(message)s",
        "",
    ]
    path.write_text("\n".join(lines))
    return path


@contextmanager
def app_server(settings: dict, workdir: Path, threads: int = 24):
    """Serve ``settings`` with pserve; yields the port."""
    port = free_port()
    ini = write_ini(workdir / f"app-{port}.ini", settings, port, threads)
    log = (workdir / f"app-{port}.log").open("wb")
    pserve = Path(sys.executable).with_name("pserve")
    process = subprocess.Popen(
        [str(pserve), str(ini)], stdout=log, stderr=log, cwd=ROOT
    )
    try:
        wait_for_port(port, timeout=60, process=process)
        yield port
    finally:
        stop(process)
        log.close()


class Client:
    """A shopper over HTTP: keeps its session cookie and CSRF token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie: str | None = None
        self.token: str | None = None

    def request(self, method: str, path: str, body=None, headers=None, form=None):
        """``body`` is sent as JSON, ``form`` as an HTML form would."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.token:
            headers["X-CSRF-Token"] = self.token
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        elif form is not None:
            payload = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("emporium_session="):
                self.cookie = value.split(";", 1)[0]
        content = (
            json.loads(data)
            if data and b"json" in (response.getheader("Content-Type") or "").encode()
            else data
        )
        return response.status, content

    def start(self) -> None:
        status, cart = self.request("GET", "/api/v1/cart")
        assert status == 200, cart
        self.token = cart["csrf_token"]


def wait_healthy(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        status, _ = Client(port).request("GET", "/health")
        if status == 200 or time.monotonic() > deadline:
            return
        time.sleep(0.1)
