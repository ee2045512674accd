"""Charts drawn on the server as SVG: no script, no library, no CDN.

Each chart is a ``<figure>``: the SVG for the eye (hidden from screen
readers) and the same figures as a table that screen readers read (hidden
from the eye)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

PALETTE = ("#2b6cb0", "#2f855a", "#c05621", "#6b46c1", "#b83280", "#2c7a7b")


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def column_chart(
    points: Sequence[tuple[int, float]],
    title: str,
    unit: str,
    width: int = 640,
    height: int = 180,
) -> str:
    """Columns over time: ``points`` are (POSIX seconds, value), oldest first."""
    left, bottom, top = 40, 22, 10
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = max((v for _, v in points), default=0) or 1
    step = plot_w / max(len(points), 1)
    parts = [
        f'<figure class="chart-figure">{_svg_open(width, height)}',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" '
        f'y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" font-size="10" '
        f'fill="#555">{_fmt(peak)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" '
        f'font-size="10" fill="#555">0</text>',
    ]
    for index, (at, value) in enumerate(points):
        bar = plot_h * value / peak
        x = left + index * step
        label = datetime.fromtimestamp(at, UTC).strftime("%H:%M")
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{top + plot_h - bar:.1f}" '
            f'width="{max(step - 2, 1):.1f}" height="{bar:.1f}" fill="{PALETTE[0]}">'
            f"<title>{label} UTC: {_fmt(value)} {escape(unit)}</title></rect>"
        )
        if index % 10 == 0 or index == len(points) - 1:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                f'font-size="10" fill="#555">{label}</text>'
            )
    parts.append("</svg>")
    rows = [
        (
            datetime.fromtimestamp(at, UTC).strftime("%H:%M"),
            f"{_fmt(value)} {unit}",
        )
        for at, value in points
    ]
    parts.append(_table(title, ("Minute (UTC)", title), rows))
    parts.append("</figure>")
    return "".join(parts)


def _svg_open(width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" '
        f'aria-hidden="true" focusable="false" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    )


def _table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The chart's figures as a table for screen readers."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        f'<tr><th scope="row">{escape(row[0])}</th>'
        + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    if not rows:
        body = f'<tr><td colspan="{len(headers)}">No figures yet.</td></tr>'
    return (
        f'<div class="visually-hidden"><table><caption>{escape(title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def ratio_chart(
    rows: Sequence[tuple[str, float | None, int]],
    title: str,
    width: int = 640,
) -> str:
    """Horizontal bars of ratios from 0 to 1: (label, ratio or None, reads)."""
    row_h, left, right = 22, 170, 150
    height = max(len(rows), 1) * row_h + 10
    plot_w = width - left - right
    parts = [
        f'<figure class="chart-figure">{_svg_open(width, height)}',
        f"<title>{escape(title)}</title>",
    ]
    if not rows:
        parts.append(
            f'<text x="{left}" y="16" font-size="12" fill="#555">'
            "No reads counted yet.</text>"
        )
    for index, (label, ratio, reads) in enumerate(rows):
        y = 5 + index * row_h
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" font-size="12" '
            f'fill="#222">{escape(label)}</text>'
            f'<rect x="{left}" y="{y + 2}" width="{plot_w}" height="{row_h - 6}" '
            f'fill="#edf2f7"/>'
        )
        if ratio is not None:
            parts.append(
                f'<rect x="{left}" y="{y + 2}" width="{plot_w * ratio:.1f}" '
                f'height="{row_h - 6}" fill="{colour}"/>'
            )
        text = "no reads" if ratio is None else f"{ratio:.1%} of {reads:,} reads"
        parts.append(
            f'<text x="{left + plot_w + 6}" y="{y + 14}" font-size="12" '
            f'fill="#222">{text}</text>'
        )
    parts.append("</svg>")
    table_rows = [
        (label, "no reads" if ratio is None else f"{ratio:.1%}", f"{reads:,}")
        for label, ratio, reads in rows
    ]
    parts.append(_table(title, ("Name", "Hit ratio", "Reads"), table_rows))
    parts.append("</figure>")
    return "".join(parts)


def cache_ratios(stats: dict) -> tuple[list, list]:
    """Rows for the tier chart and the partition chart from the object
    cache's ``stats()``: a tier's ratio is its hits over the reads that
    reached it."""
    tiers = []
    for tier in stats.get("tier_order", []):
        counts = stats.get("tiers", {}).get(tier, {"hits": 0, "misses": 0})
        reads = counts["hits"] + counts["misses"]
        tiers.append((tier, counts["hits"] / reads if reads else None, reads))
    partitions = []
    first = (stats.get("tier_order") or [None])[0]
    for name, per_tier in sorted(stats.get("partitions", {}).items()):
        hits = sum(c["hits"] for c in per_tier.values())
        start = per_tier.get(first, {"hits": 0, "misses": 0})
        reads = start["hits"] + start["misses"]
        partitions.append((name, min(hits / reads, 1.0) if reads else None, reads))
    return tiers, partitions
