"""Real services for the tests: Debian packages installed when missing, and
throwaway servers (PostgreSQL, Redis, ...) started on loopback.

Outside CI a component that cannot be installed skips the tests that need
it; under ``CI=true`` it is a failure, never a skip. PostgreSQL and the
helpers come from the testing kit (``emporium.testing.servers``), which
plugin authors use too.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from emporium.testing.servers import (  # noqa: F401 (the suites import them here)
    IN_CI,
    POSTGRES_BIN,
    ensure_debian_packages,
    free_port,
    postgresql_server,
    stop,
    unavailable,
    wait_for_port,
)


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A throwaway Redis (Debian's) on loopback; yields its URL."""
    binary = ensure_debian_packages(["redis-server"], "redis-server")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process=process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)
