"""From ``emporium scaffold`` to the new section served, as docs/tutorial.md
tells it: scaffold a section, install it, add its one line to a copy of
development.ini, migrate, seed 200 of its products, reindex, start
``pserve`` and wait for the first 200 from its front.

``python bench/scaffold.py`` (``make bench`` runs it). The install goes into
a folder on PYTHONPATH rather than ``pip install -e`` into the repository's
virtualenv. Ends with ``name: value`` lines: the wall-clock seconds (the
target is under 60), the CPU seconds of every command run (steadier than
wall-clock time on a machine busy with other work) and each step's seconds.
"""

from __future__ import annotations

import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECTION = "music"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="emporium-bench-scaffold-"))
    site, ini, port = home / "site", home / "development.ini", free_port()
    env = dict(os.environ, PYTHONPATH=str(site))
    steps: dict[str, float] = {}
    emporium = str(BIN / "emporium")

    def step(name: str, *args: str) -> None:
        started = time.perf_counter()
        subprocess.run(args, cwd=home, env=env, check=True, capture_output=True)
        steps[name] = time.perf_counter() - started

    cpu = children_cpu()
    started = time.perf_counter()
    step("scaffold", emporium, "scaffold", "section", SECTION, "--into", str(home))
    folder = home / f"emporium-{SECTION}"
    step("install", sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--target", str(site), str(folder))  # fmt: skip
    text = (ROOT / "development.ini").read_text()
    text = text.replace("127.0.0.1:6543", f"127.0.0.1:{port}")
    text = text.replace("%(here)s/themes", str(ROOT / "themes"))
    # The one line in the .ini.
    text = re.sub(r"(emporium\.plugins =\n(?:    \S+\n)+)", rf"\1    {SECTION}\n", text)
    ini.write_text(text)
    (home / "var").mkdir()
    step("migrate", emporium, "migrate", str(ini))
    step("seed", emporium, "seed", str(ini), "--products", "200", "--section", SECTION)
    step("reindex", emporium, "reindex", str(ini))
    serving = time.perf_counter()
    with open(home / "pserve.log", "ab") as log:
        server = subprocess.Popen(
            [str(BIN / "pserve"), str(ini)], cwd=home, env=env, stdout=log, stderr=log
        )
    try:
        while True:
            if server.poll() is not None:
                sys.exit((home / "pserve.log").read_text())
            try:
                url = f"http://127.0.0.1:{port}/{SECTION}/"
                with urllib.request.urlopen(url, timeout=10) as response:
                    if response.status == 200:
                        break
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.1)
        steps["served"] = time.perf_counter() - serving
        total = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"scaffold_to_served_seconds: {total:.1f}")
    print(f"scaffold_to_served_cpu_seconds: {children_cpu() - cpu:.1f}")
    for name, seconds in steps.items():
        print(f"scaffold_step_{name}_seconds: {seconds:.1f}")


if __name__ == "__main__":
    main()
