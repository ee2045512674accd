"""Server-side SVG charts and the request counter behind one of them."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from emporium_admin.charts import cache_ratios, column_chart, ratio_chart
from emporium_admin.traffic import RequestCounter

SVG = "{http://www.w3.org/2000/svg}"


def parse(figure: str):
    """The chart's SVG, and its figures as table rows (cell texts)."""
    root = ElementTree.fromstring(figure)
    assert root.tag == "figure"
    svg = root.find(f"{SVG}svg")
    assert svg.get("aria-hidden") == "true"
    rows = [
        ["".join(cell.itertext()) for cell in row]
        for row in root.findall("div/table/tbody/tr")
    ]
    return svg, rows


def test_column_chart_is_svg_with_one_column_per_minute():
    points = [(1_800_000_000 + 60 * i, i % 7) for i in range(60)]
    svg, rows = parse(column_chart(points, "Requests <per> minute", "req"))
    assert svg.tag == f"{SVG}svg"
    assert len(svg.findall(f"{SVG}rect")) == 60
    assert svg.find(f"{SVG}title").text == "Requests <per> minute"
    # The same 60 minutes for screen readers.
    assert len(rows) == 60
    assert rows[1] == ["08:01", "1 req"]


def test_column_chart_of_nothing():
    svg, _ = parse(column_chart([(0, 0), (60, 0)], "Orders", "orders"))
    heights = [float(r.get("height")) for r in svg.findall(f"{SVG}rect")]
    assert heights == [0.0, 0.0]


def test_ratio_chart_labels_escaped_and_bars_scaled():
    svg, rows = parse(
        ratio_chart([("a<b", 0.5, 10), ("never read", None, 0)], "Hits", width=500)
    )
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "a<b" in texts and "no reads" in texts and "50.0% of 10 reads" in texts
    assert rows == [["a<b", "50.0%", "10"], ["never read", "no reads", "0"]]


def test_cache_ratios_from_stats():
    stats = {
        "tier_order": ["memory", "local"],
        "tiers": {
            "memory": {"hits": 3, "misses": 1},
            "local": {"hits": 0, "misses": 1},
        },
        "partitions": {
            "pricing": {
                "memory": {"hits": 3, "misses": 1},
                "local": {"hits": 0, "misses": 1},
            }
        },
    }
    tiers, partitions = cache_ratios(stats)
    assert tiers == [("memory", 0.75, 4), ("local", 0.0, 1)]
    assert partitions == [("pricing", 0.75, 4)]


def test_request_counter_keeps_an_hour_by_minute():
    now = [1_800_000_000.0]
    counter = RequestCounter(clock=lambda: now[0])
    for _ in range(3):
        counter.count()
    now[0] += 60
    counter.count()
    series = counter.per_minute(5)
    assert [count for _, count in series] == [0, 0, 0, 3, 1]
    now[0] += 3 * 3600
    counter.count()
    assert sum(count for _, count in counter.per_minute()) == 1
