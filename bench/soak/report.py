"""The soak's report: each sampled figure as a series, its slope over the
last half of the run, and whether it grew past the allowed share."""

from __future__ import annotations

from pathlib import Path

LIMIT = 0.05  # the most a figure may grow over the last half


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


def write(
    folder: Path, series: dict[str, list[tuple[float, float]]], facts: list[str]
) -> tuple[list[str], list[str]]:
    """Writes ``report.md``; returns (its lines, the figures that grew too
    much)."""
    grown = []
    rows = []
    for name in sorted(series):
        points = series[name]
        slope, share = growth(points)
        if share is not None and share > LIMIT:
            grown.append(name)
        values = [v for _, v in points]
        rows.append(
            f"| {name} | {values[0]:,.1f} | {values[-1]:,.1f} | {max(values):,.1f} "
            f"| {slope * 3600:+,.2f} | "
            + ("n/a" if share is None else f"{share * 100:+.1f}%")
            + (" **grows**" if name in grown else "")
            + " |"
        )
    lines = ["# Soak", "", *facts, ""]
    lines += [
        "Each figure sampled every interval; the slope is a least-squares fit"
        f" over the last half, and a figure fails past {LIMIT:.0%} growth there.",
        "",
        "| figure | first | last | highest | slope an hour (last half) "
        "| growth over the last half |",
        "| --- | --- | --- | --- | --- | --- |",
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
    return lines, grown
