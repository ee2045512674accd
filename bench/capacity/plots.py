"""Bar charts as SVG for the capacity report, with nothing to install."""

from __future__ import annotations

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 320, 60, 40, 30


def _line(x1, y1, x2, y2, extra: str = 'stroke="#ddd"') -> str:
    return f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" {extra}/>'


def _text(x, y, text, extra: str = "") -> str:
    return f'<text x="{x:.0f}" y="{y:.0f}" {extra}>{text}</text>'


def _rect(x, y, width, height, colour, title: str = "") -> str:
    tip = f"<title>{title}</title>" if title else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
        f'fill="{colour}">{tip}</rect>'
    )


def bars(
    title: str,
    groups: list[str],
    series: dict[str, list[float]],
    unit: str,
    stacked: bool = False,
    limit: float | None = None,
) -> str:
    """One group of bars (or one stack) per step; ``limit`` draws a dashed
    line at that value."""
    names = list(series)
    if stacked:
        values = [sum(series[n][i] for n in names) for i in range(len(groups))]
    else:
        values = [v for n in names for v in series[n]]
    peak = max([*values, limit or 0, 1e-9]) * 1.1
    scale = (HEIGHT - BOTTOM - TOP) / peak
    slot = (WIDTH - LEFT - 20) / max(1, len(groups))
    bar = slot * 0.8 / (1 if stacked else max(1, len(names)))
    axis = HEIGHT - BOTTOM
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{HEIGHT + 20 * len(names)}" font-family="sans-serif" font-size="11">',
        _text(LEFT, 18, title, 'font-size="13"'),
        _line(LEFT, axis, WIDTH - 10, axis, 'stroke="#333"'),
    ]
    for tick in range(5):
        value = peak * tick / 4
        y = axis - value * scale
        out.append(_text(LEFT - 6, y + 4, f"{value:,.0f}", 'text-anchor="end"'))
        out.append(_line(LEFT, y, WIDTH - 10, y))
    if limit:
        y = axis - limit * scale
        dashed = 'stroke="#d62728" stroke-dasharray="4 3"'
        out.append(_line(LEFT, y, WIDTH - 10, y, dashed))
    for i, group in enumerate(groups):
        x0 = LEFT + i * slot + slot * 0.1
        base = axis
        for j, name in enumerate(names):
            height = series[name][i] * scale
            x = x0 if stacked else x0 + j * bar
            tip = f"{name} {group}: {series[name][i]:,.2f} {unit}"
            out.append(
                _rect(x, base - height, bar, height, COLOURS[j % len(COLOURS)], tip)
            )
            if stacked:
                base -= height
        out.append(_text(x0 + slot * 0.4, axis + 16, group, 'text-anchor="middle"'))
    for j, name in enumerate(names):
        y = HEIGHT + 20 * j
        out.append(_rect(LEFT, y - 9, 10, 10, COLOURS[j % len(COLOURS)]))
        out.append(_text(LEFT + 16, y, name))
    out.append(_text(12, TOP + 10, unit, f'transform="rotate(-90 12,{TOP + 10})" '
                                         'text-anchor="end"'))  # fmt: skip
    out.append("</svg>")
    return "\n".join(out)
