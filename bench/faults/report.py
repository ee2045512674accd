"""The drills' report: var/faults/report.md, drills.json beside it, and the
lines printed, the last one the summary."""

from __future__ import annotations

import json
import os
import time

from bench.capacity.report import _table


def baseline_line(rate: float, baseline: dict) -> str:
    return (
        f"faults: warm after {baseline['warm-up seconds']:.0f} s at ×{rate:g}: "
        f"{baseline['requests a second']:.0f} requests/s, "
        f"p99 {baseline['p99 ms']:.0f} ms, {baseline['failed']} failed; steady "
        f"means no failure and p99 ≤ {baseline['steady p99 limit ms']:.0f} ms"
    )


def _recovery(result) -> str:
    if result.recovery is None:
        return f"not steady within {result.watched:.0f} s"
    return f"{result.recovery:.1f} s"


def drill_line(result) -> str:
    verdict = "; ".join(result.broken) or "invariants held"
    return (
        f"faults: {result.drill.name}: {result.failed} of {result.requests} "
        f"requests failed ({result.failed_gets} GET), recovery "
        f"{_recovery(result)}, {verdict}"
    )


def summary(results) -> str:
    lost = sum(r.figures["orders lost"] for r in results)
    doubled = sum(r.figures["orders doubled"] for r in results)
    carts = sum(r.figures["carts lost"] for r in results)
    worst = max(
        (r.watched if r.recovery is None else r.recovery for r in results),
        default=0.0,
    )
    return (
        f"faults: {len(results)} drills, {lost} orders lost, {doubled} orders "
        f"doubled, {carts} carts lost, worst recovery {worst:.1f} s"
    )


def _failures(result) -> str:
    if not result.failures:
        return "none"
    return ", ".join(
        f"{n} × {outcome} {route}"
        for (route, outcome), n in result.failures.most_common()
    )


def write(s, results, baseline: dict) -> list[str]:
    s.out.mkdir(parents=True, exist_ok=True)
    md = [
        "# Fault drills under load",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{os.cpu_count()} cores, {s.products:,} products, shoppers arriving at "
        f"×{s.rate:g} the Christmas 2000 peak; load average at the end "
        f"{os.getloadavg()[0]:.1f}.",
        "",
        baseline_line(s.rate, baseline).removeprefix("faults: ").capitalize() + ".",
        f"Recovery is the time from the component's return until the first "
        f"{s.window:g} s of answers with no failure and p99 within that limit.",
        "",
        "## Drills",
        "",
    ]
    md += _table(
        ["drill", "steady before", "fault to return", "requests", "failed",
         "failed GET", "recovery", "invariants"],
        [
            [r.drill.name, "yes" if r.was_steady else f"no ({r.waited:.0f} s)",
             f"{r.seconds:.1f} s", r.requests, r.failed, r.failed_gets,
             _recovery(r), "; ".join(r.broken) or "held"]
            for r in results
        ],
    )  # fmt: skip
    names = list(dict.fromkeys(k for r in results for k in r.figures))
    md += ["## Invariants through the database", ""]
    md += _table(
        ["drill", *names], [[r.drill.name, *r.figures.values()] for r in results]
    )
    md += ["## What each drill did and what failed", ""]
    for r in results:
        md += [
            f"### {r.drill.name}: {r.drill.title}",
            "",
            *(f"- {note}" for note in r.notes),
            f"- failed requests: {_failures(r)}",
            "",
        ]
    last = summary(results)
    md += [last]
    (s.out / "report.md").write_text("\n".join(md) + "\n")
    (s.out / "drills.json").write_text(
        json.dumps(
            [
                {
                    "name": r.drill.name,
                    "requests": r.requests,
                    "failed": r.failed,
                    "failed GET": r.failed_gets,
                    "failures": [
                        [route, outcome, n]
                        for (route, outcome), n in r.failures.most_common()
                    ],
                    "seconds": r.seconds,
                    "recovery": r.recovery,
                    "steady before": r.was_steady,
                    "notes": r.notes,
                    "figures": r.figures,
                    "broken": r.broken,
                }
                for r in results
            ],
            indent=2,
        )
    )
    return [f"faults: report in {s.out / 'report.md'}", last]
