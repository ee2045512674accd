"""Throwaway servers for tests: PostgreSQL (Debian's, installed when
missing and run as root) in a temporary folder on loopback, and fresh
databases on it.

Outside CI a component that cannot be installed skips the tests that need
it; under ``CI=true`` it is a failure, never a skip.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_apt_updated = False


def unavailable(reason: str):
    """Fail under CI, skip elsewhere."""
    if IN_CI:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def ensure_debian_packages(packages: Iterable[str], binary: str) -> str:
    """Install ``packages`` with apt-get unless ``binary`` is already there;
    return the binary's path."""
    global _apt_updated
    found = shutil.which(binary) or (binary if os.path.exists(binary) else None)
    if found:
        return found
    if os.geteuid() != 0:
        unavailable(f"{binary} is missing and installing it needs root")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    try:
        if not _apt_updated:
            subprocess.run(
                ["apt-get", *lock, "update", "-qq"],
                check=True,
                env=env,
                capture_output=True,
                timeout=600,
            )
            _apt_updated = True
        subprocess.run(
            [
                "apt-get",
                *lock,
                "install",
                "-y",
                "-qq",
                "--no-install-recommends",
                *packages,
            ],
            check=True,
            env=env,
            capture_output=True,
            timeout=900,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        unavailable(f"could not install {' '.join(packages)}: {exc}")
    found = shutil.which(binary) or (binary if os.path.exists(binary) else None)
    if not found:
        unavailable(f"{binary} is still missing after installing {packages}")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0, process=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop(
    process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 10.0
) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


@contextmanager
def postgresql_server() -> Iterator[str]:
    """A throwaway PostgreSQL 15 (Debian's) in a temporary folder; yields its URL."""
    ensure_debian_packages(["postgresql-15"], str(POSTGRES_BIN / "initdb"))
    # Directly under /tmp: the server's user must be able to reach the folder.
    workdir = Path(tempfile.mkdtemp(prefix="emporium-pg-"))
    data = workdir / "pgdata"
    # PostgreSQL refuses to run as root: run it as the package's user.
    user = None
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
        user = "postgres"
    subprocess.run(
        [
            str(POSTGRES_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "emporium",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        user=user,
    )
    port = free_port()
    log = (workdir / "postgres.log").open("wb")
    process = subprocess.Popen(
        [
            str(POSTGRES_BIN / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(workdir),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
        user=user,
    )
    try:
        wait_for_port(port, process=process)
        _wait_for_postgres(port)
        yield f"postgresql+psycopg://emporium@127.0.0.1:{port}/postgres"
    finally:
        # SIGINT is PostgreSQL's fast shutdown: it does not wait for clients.
        stop(process, signal.SIGINT)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_for_postgres(port: int, timeout: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(
                f"host=127.0.0.1 port={port} user=emporium dbname=postgres"
            ).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


_databases = itertools.count(1)


def create_database(server_url: str) -> str:
    """A new, empty database on the PostgreSQL server of ``server_url``;
    returns its URL."""
    name = f"emporium_{os.getpid()}_{next(_databases)}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"
