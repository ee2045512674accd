"""The soak's report: each sampled figure as a series, its slope over the
last half of the run, and whether it grows without bound.

A cache's figure (its entries, a store's size) is judged against its bound
and fails only past it: filling up to its bound is what a cache is for.
The rest (a worker's memory, its open files and database connections)
fails when it grows more than ``LIMIT`` over the last half, by more than
its kind's noise (``NOISE``: a few files in use for a moment are not a
leak). A worker's database connections are not judged against its pool's
bound: the pool holds them there, and a leak would reach it, then fail
requests."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

# The samples of a run, beside its report: judged again by ``main``.
SERIES = "series.json"
LIMIT = 0.05  # the most a figure may grow over the last half, or pass its bound
# Growth smaller than this is the noise of a figure's kind, whatever its share.
NOISE = {"open files": 4.0, "db connections": 2.0}


def fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares line through ``points``: (slope, intercept)."""
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if not spread:
        return 0.0, mean_v
    slope = sum((t - mean_t) * (v - mean_v) for t, v in points) / spread
    return slope, mean_v - slope * mean_t


def growth(points: list[tuple[float, float]]) -> tuple[float, float | None]:
    """(slope a second, growth over the last half as a share of the fitted
    value where the half begins) of the last half's points; the share is
    None with fewer than three points or from a fitted zero."""
    if not points:
        return 0.0, None
    middle = (points[0][0] + points[-1][0]) / 2
    half = [p for p in points if p[0] >= middle]
    if len(half) < 3:
        return 0.0, None
    slope, intercept = fit(half)
    start, end = half[0][0], half[-1][0]
    base = slope * start + intercept
    if base <= 0:
        return slope, None
    return slope, slope * (end - start) / base


def judge(
    name: str, points: list[tuple[float, float]], bound: float | None
) -> tuple[float, float | None, bool]:
    """(slope a second, growth over the last half, whether it fails)."""
    slope, share = growth(points)
    if bound is not None:
        return slope, share, max(v for _, v in points) > bound * (1 + LIMIT)
    noise = next((n for kind, n in NOISE.items() if name.endswith(kind)), 0.0)
    middle = (points[0][0] + points[-1][0]) / 2
    half = [v for t, v in points if t >= middle]
    # The rise against the noise: the last fifth's median over the first's
    # (a fitted line overshoots a late step).
    fifth = max(1, len(half) // 5)
    rise = statistics.median(half[-fifth:]) - statistics.median(half[:fifth])
    return slope, share, share is not None and share > LIMIT and rise > noise


def write(
    folder: Path,
    series: dict[str, list[tuple[float, float]]],
    facts: list[str],
    bounds: dict[str, float] | None = None,
) -> tuple[list[str], list[str]]:
    """Writes ``report.md``; returns (its lines, the figures that grow
    without bound). ``bounds``: a figure's most, where it has one."""
    bounds = bounds or {}
    grown = []
    rows = []
    for name in sorted(series):
        points = series[name]
        bound = bounds.get(name)
        slope, share, fails = judge(name, points, bound)
        if fails:
            grown.append(name)
        values = [v for _, v in points]
        rows.append(
            f"| {name} | {values[0]:,.1f} | {values[-1]:,.1f} | {max(values):,.1f} "
            f"| {'—' if bound is None else f'{bound:,.0f}'} "
            f"| {slope * 3600:+,.2f} | "
            + ("n/a" if share is None else f"{share * 100:+.1f}%")
            + (" **grows**" if name in grown else "")
            + " |"
        )
    lines = ["# Soak", "", *facts, ""]
    lines += [
        "Each figure sampled every interval; the slope is a least-squares fit"
        " over the last half. A figure with a bound fails past it by more than"
        f" {LIMIT:.0%}; one without fails past {LIMIT:.0%} growth over the last"
        " half (open files: and by more than four; database connections: two).",
        "",
        "| figure | first | last | highest | bound | slope an hour (last half) "
        "| growth over the last half |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "## Series",
        "",
    ]
    for name in sorted(series):
        values = " ".join(f"{v:.1f}" for _, v in series[name])
        lines.append(f"- {name}: {values}")
    verdict = f"soak: {len(series)} figures, {len(grown)} growing" + (
        f" ({', '.join(grown)})" if grown else ""
    )
    lines += ["", verdict]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.md").write_text("\n".join(lines) + "\n")
    (folder / SERIES).write_text(
        json.dumps({"facts": facts, "bounds": bounds, "series": series})
    )
    return lines, grown


def main(argv: list[str]) -> int:
    """``python -m bench.soak.report DIR``: judge a run's samples again
    (``DIR/series.json``) with this module's rules, into ``DIR/report.md``."""
    if len(argv) != 1:
        print("usage: python -m bench.soak.report DIR", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    try:
        run = json.loads((folder / SERIES).read_text())
        series = {k: [(t, v) for t, v in pts] for k, pts in run["series"].items()}
        facts, bounds = list(run["facts"]), dict(run["bounds"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"soak: cannot read {folder / SERIES}: {exc}", file=sys.stderr)
        return 2
    lines, grown = write(folder, series, facts, bounds)
    print(lines[-1])
    return 1 if grown else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
