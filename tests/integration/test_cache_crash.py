"""The host-local store survives ``kill -9`` of a writer: 50 times, a
writer is killed in the middle of its writes, and every following start
opens the store within a second and reads correct data."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

KILLS = 50
WORKER = "tests.integration.cache_crash_worker"


def run(*args: str) -> str:
    command = [sys.executable, "-W", "ignore", "-m", WORKER, *args]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_writers_killed_mid_write_never_break_the_store(tmp_path):
    path = str(tmp_path / "objects")
    run("seed", path)
    rng = random.Random(5)
    for generation in range(1, KILLS + 1):
        writer = subprocess.Popen(
            [
                sys.executable,
                "-W",
                "ignore",
                "-m",
                WORKER,
                "write",
                path,
                str(generation),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert writer.stdout.readline().strip() == "writing", "writer did not start"
            # Somewhere in the middle of a stream of write transactions.
            time.sleep(rng.uniform(0.005, 0.12))
            os.kill(writer.pid, signal.SIGKILL)
        finally:
            writer.kill()
            writer.wait(10)
            writer.stdout.close()
        report = json.loads(run("read", path))
        assert report["bad"] == [], f"kill {generation}: corrupt entries {report}"
        assert report["probe"] == {"ok": True}
        # Generous: a start that waited on a dead process's lock would hang.
        assert report["seconds"] < 1.0, f"kill {generation}: slow start {report}"
    assert report["present"] > 0
