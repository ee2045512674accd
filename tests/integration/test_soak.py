"""`make soak` for a few seconds: the cluster starts, the replay runs, and
the report holds a series of every figure it promises. Not its verdict: a
store filling its caches for seconds grows, as it should."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from bench.soak.report import growth, judge
from tests.conftest import ROOT
from tests.integration.test_cluster import new_cluster_workdir

VERDICT = re.compile(r"soak: (\d+) figures, (\d+) growing.*")


def test_growth_is_the_last_halfs_fitted_rise():
    flat = [(t, 100.0 + (t % 2)) for t in range(20)]
    assert growth(flat)[1] is not None and abs(growth(flat)[1]) < 0.05
    leak = [(t, 100.0 + 2 * t) for t in range(20)]
    slope, share = growth(leak)
    assert slope == pytest.approx(2.0)
    assert share == pytest.approx(18 / 120)  # from 120 at t=10 to 138 at t=19
    assert growth(leak[:3]) == (0.0, None)  # too few points to say


def test_a_bounded_figure_fails_only_past_its_bound():
    filling = [(t, 100.0 * t) for t in range(20)]  # a cache filling fast
    assert judge("app1/1 memory entries", filling, 2000)[2] is False
    assert judge("app1/1 memory entries", filling, 1500)[2] is True
    assert judge("app1/1 rss MiB", filling, None)[2] is True


def test_a_few_files_in_use_for_a_moment_are_not_a_leak():
    busy = [(t, 30.0 + (3 if t > 15 else 0)) for t in range(20)]
    assert growth(busy)[1] > 0.05
    assert judge("app1/1 open files", busy, None)[2] is False
    leak = [(t, 30.0 + t) for t in range(20)]
    assert judge("app1/1 open files", leak, None)[2] is True


@pytest.fixture
def workdir():
    path = new_cluster_workdir("emporium-soak-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_short_soak_reports_every_figure(workdir):
    env = dict(
        os.environ,
        SOAK_DIR=str(workdir),
        SOAK_SECONDS="8",
        SOAK_INTERVAL="1",
        SOAK_RATE="0.05",
        SOAK_PRODUCTS="200",
        SOAK_WORKERS="1",
        SOAK_ACCOUNTS="5",
        SOAK_PORT_OFFSET="0",  # the ports new_cluster_workdir found free
    )
    with (workdir / "run.out").open("wb") as log:
        run = subprocess.run(
            [sys.executable, "-m", "bench.soak.run"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            timeout=900,  # a hang guard
        )  # fmt: skip
    output = (workdir / "run.out").read_text()
    report = (workdir / "report.md").read_text()
    verdict = VERDICT.fullmatch(report.strip().splitlines()[-1])
    assert verdict, output[-3000:]
    # The exit status is the verdict's.
    assert run.returncode == (1 if int(verdict.group(2)) else 0), output[-3000:]
    for app in ("app1", "app2", "app3"):
        for figure in (
            "rss MiB",
            "open files",
            "db connections",
            "memory entries",
            "rendered entries",
        ):
            assert re.search(rf"^- {app}/\d+ {figure}: ", report, re.M), figure
    for figure in ("object-cache store MiB", "redis memory MiB"):
        assert re.search(rf"^- {figure}: (\S+ ){{3,}}", report, re.M), figure
    for search in ("search1", "search2"):
        for figure in ("rss MiB", "open files", "counts entries"):
            assert re.search(rf"^- {search}/\d+ {figure}: ", report, re.M), figure
    # The soak's caches are bounded as it says, and the report judges by it.
    assert re.search(r"^\| app1/\d+ memory entries \| .* \| 5,000 \|", report, re.M)
    assert re.search(r"^\| redis memory MiB \| .* \| 32 \|", report, re.M)
    assert re.search(r"^\| search1/\d+ counts entries \| .* \| 256 \|", report, re.M)
    requests = re.search(r"Requests: ([\d,]+)", report)
    assert requests and int(requests.group(1).replace(",", "")) > 0
    # The samples are kept: the run is judged again from them, to the letter.
    (workdir / "report.md").unlink()
    again = subprocess.run(
        [sys.executable, "-m", "bench.soak.report", str(workdir)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == run.returncode, again.stderr
    assert (workdir / "report.md").read_text() == report
