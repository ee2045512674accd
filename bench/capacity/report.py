"""The report under var/capacity/: report.md, plots as SVG, and the
``name: value`` lines ending with the capacity line."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

from bench.capacity import shoppers
from bench.capacity.plots import bars
from bench.capacity.steps import LOGIN_APART, Knee, Step, carried, knee, percentile


def step_line(step: Step) -> str:
    got, want = step.achieved, step.target
    p99 = max((v[3] for v in step.latencies().values()), default=0)
    verdict = "; ".join(step.why_not()) or "carries"
    return (
        f"capacity: {step.name}: "
        f"{got['page_views']:.0f}/{want['page_views']:.0f} page views/s, "
        f"{got['orders']:.1f}/{want['orders']:.1f} orders/s, "
        f"worst p99 {p99:.0f} ms: {verdict}"
    )


def _table(head: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines + [""]


def write(
    out: Path,
    steps: list[Step],
    timings: dict,
    login,
    products: int,
    engine,
    costs: dict[str, float] | None = None,
) -> list[str]:
    names = [s.name for s in steps]
    kinds = list(dict.fromkeys(k for s in steps for k in s.latencies()))
    components = ["haproxy", "varnish", "app", "search", "postgresql", "redis",
                  "generator", "other"]  # fmt: skip
    good = [s.good_page_views() for s in steps]
    (out / "rates.svg").write_text(
        bars(
            "Page views per second: offered (target) and good (no failure, < 100 ms)",
            names,
            {"target": [s.target["page_views"] for s in steps], "good": good},
            "page views/s",
        )
    )
    pages = [k for k in kinds if k in shoppers.GROUPS or k == "checkout"]
    p99 = {k: [s.latencies().get(k, (0, 0, 0, 0))[3] for s in steps] for k in pages}
    (out / "p99.svg").write_text(
        bars(
            "p99 per page type; the dashed line is 100 ms", names, p99, "ms", limit=100
        )
    )
    cpu = {c: [s.cpu.get(c, 0.0) for s in steps] for c in components}
    title = f"CPU per component (cores of the box's {os.cpu_count()})"
    (out / "cpu.svg").write_text(bars(title, names, cpu, "cores", stacked=True))

    found = knee([s for s in steps if not s.name.startswith("cold")],
                 os.cpu_count() or 1)  # fmt: skip
    best = found.carried
    multiple = best.multiple if best else 0.0
    apart = carried([s for s in steps if not s.name.startswith("cold")], LOGIN_APART)
    store_cores = found.store_cores
    per_core = multiple / store_cores if store_cores > 0 else 0.0
    md = [
        "# Capacity: the Christmas 2000 peak on this box",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{os.cpu_count()} cores, {products:,} products; load average at the end "
        f"{os.getloadavg()[0]:.1f} (other work on the machine shows as `other` CPU).",
        "",
        "Set-up: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()) + ".",
        f"A login's password check (Argon2id, the store's parameters): "
        f"{login[0] * 1000:.0f} ms of CPU, {login[1] * 1000:.0f} ms wall.",
        "",
        "## Rates against the article's (per second)",
        "",
    ]
    md += _rates(steps)
    md += ["![rates](rates.svg)", "", "## Latency (ms: p50 / p95 / p99, count)", ""]
    md += _table(
        ["kind", *names], [[k] + [_latency(s, k) for s in steps] for k in kinds]
    )
    md += [
        "![p99](p99.svg)",
        "",
        "## Answers by status",
        "",
        "409 (sold out) is a true answer; 429 (rate limited) and 0 (no answer) "
        "count as failed, as do 5xx and any other 4xx.",
        "",
    ]
    statuses = sorted({st for s in steps for st in s.statuses()})
    md += _table(
        ["status", *names],
        [[st] + [s.statuses().get(st, 0) for s in steps] for st in statuses],
    )
    refused = sorted({key for s in steps for key in s.refusals()})
    md += ["Not a success, by kind of request:", ""]
    md += _table(
        ["kind", "status", *names],
        [[*key] + [s.refusals().get(key, 0) for s in steps] for key in refused],
    )
    md += ["## Varnish", ""] + _varnish(steps)
    md += [
        "How Varnish answered each kind of request, as the shoppers saw it "
        "(its X-Cache header), per page view: what reaches the app servers "
        "is the misses and passes. A miss of a URL some shopper had asked "
        "before is a page Varnish had and let go: its TTL ran out (pages "
        "carry the s-maxage of the shortest partition they show, 30 s for "
        "stock), or it was purged or evicted.",
        "",
    ]
    for s in steps:
        md += [f"### {s.name}", ""] + _cache_by_kind(s)
    warm = [s for s in steps if not s.name.startswith("cold")]
    md += _app_costs(found.carried or min(warm, key=lambda s: s.multiple, default=None),
                     costs or {})  # fmt: skip
    md += ["## Object cache hit ratio per tier and partition (apps' /metrics)", ""]
    keys = sorted({k for s in steps for k in s.cache})
    md += _table(
        ["tier", "partition", *names],
        [[*key] + [_ratio(*s.cache[key]) if key in s.cache else "" for s in steps]
         for key in keys],
    )  # fmt: skip
    md += ["## CPU per component (cores; ms of CPU per page view)", ""]
    md += _table(
        ["component", *names],
        [[c] + [f"{s.cpu.get(c, 0):.2f} ({_per_page(s, c):.1f})" for s in steps]
         for c in [*components, "total"]],
    )  # fmt: skip
    md += ["![cpu](cpu.svg)", "", "## Mix of page views (share)", ""]
    md += _table(
        ["page type", "model", *names],
        [[g, f"{share:.3f}"] + [f"{s.mix().get(g, 0):.3f}" for s in steps]
         for g, share in shoppers.MIX.items()],
    )  # fmt: skip
    md += ["## Invariants after each step (no checkout in flight)", ""]
    checks = list(dict.fromkeys(k for s in steps for k in s.invariants))
    md += _table(
        ["check", *names],
        [[k] + [s.invariants.get(k, "") for s in steps] for k in checks],
    )
    generator = (os.cpu_count() or 1) - store_cores
    md += ["## Where the knee is", "", *_knee(found), ""]
    lines = [
        f"capacity_products: {products}",
        *(f"capacity_{k}_seconds: {v:.1f}" for k, v in timings.items()),
        f"capacity_login_cpu_ms: {login[0] * 1000:.0f}",
        *(f"capacity_{_slug(s.name)}_page_views_per_s: {s.achieved['page_views']:.1f}"
          for s in steps),
        *(f"capacity_{_slug(s.name)}_good_page_views_per_s: {s.good_page_views():.1f}"
          for s in steps),
        *(f"capacity_{_slug(s.name)}_failed: {s.failures()}" for s in steps),
        f"capacity_orders_answered_201: {len(engine.orders)}",
        *(f"capacity_{_slug(s.name)}_store_cpu_ms_per_page_view: "
          f"{s.store_ms_per_page_view():.1f}" for s in steps),
        *(f"capacity_app_cpu_ms_per_{kind}_miss: {ms:.1f}"
          for kind, ms in (costs or {}).items()),
        f"capacity_knee: {_between(found)}",
        "capacity_knee_login_at_500_ms: "
        + (f"×{apart.multiple:g} carries" if apart else "no step carries"),
        f"capacity_saturation_estimate: {found.saturation:.2f}× "
        f"({found.saturation * shoppers.PAGE_VIEWS:.0f} page views/s)",
        f"capacity_per_store_core: {per_core:.2f}× "
        f"(the generator's {generator:.2f} cores taken out)",
        f"capacity: this box carries {multiple:g}× the Christmas 2000 peak "
        "at p99 < 100 ms with no failed requests",
    ]  # fmt: skip
    md += ["## Figures", "", "```", *lines, "```", "", lines[-1], ""]
    (out / "report.md").write_text("\n".join(md))
    (out / "steps.json").write_text(json.dumps([_json(s) for s in steps], indent=1))
    return lines


def _app_costs(last: Step | None, costs: dict[str, float]) -> list[str]:
    """What the app's CPU per page view is made of: each kind's misses and
    passes per page view (at the step that carries, else the lowest) × its
    CPU per request, measured after the ladder on one app server asked
    directly."""
    if not costs or last is None:
        return []
    pages = max(1, sum(1 for x in last.samples if x.page))
    seen = last.cache_by_kind()
    rows, total = [], 0.0
    for kind, ms in costs.items():
        went = seen.get(kind, Counter())
        per_page = (went.get("MISS", 0) + went.get("PASS", 0)) / pages
        total += per_page * ms
        rows.append([kind, f"{ms:.1f}", f"{per_page:.3f}", f"{per_page * ms:.1f}"])
    app = last.cpu.get("app", 0.0) * last.seconds * 1000 / pages
    return [
        "## What the app's CPU per page view is made of",
        "",
        "App CPU per request of each kind, asked of one app server directly "
        "after the ladder (distinct URLs, one at a time: a Varnish miss as "
        f"the catalog's long tail makes it), times that kind's misses and "
        f"passes per page view at {last.name}. These kinds account for "
        f"{total:.1f} of the {app:.1f} ms of app CPU per page view there; "
        "the rest is the passes (cart, checkout, account, login, API).",
        "",
        *_table(["kind", "app CPU ms per request", "misses and passes per page view",
                 "app CPU ms per page view"], rows),
    ]  # fmt: skip


def _between(found: Knee) -> str:
    low = f"×{found.carried.multiple:g} carries" if found.carried else "no step carries"
    high = f"×{found.failed.multiple:g} does not" if found.failed else "none above"
    return f"{low}, {high}"


def _knee(found: Knee) -> list[str]:
    """The knee between the measured steps, and the estimate from CPU."""
    basis = found.carried or found.failed
    lines = [
        f"The knee is the highest step with no failed request and p99 < 100 ms "
        f"for every kind of request, every lower step carrying too: "
        f"{_between(found)}. A login checks its password with Argon2id, at"
        f" the cost in CPU given above: `capacity_knee_login_at_500_ms` says"
        f" where the knee is with a login allowed 500 ms."
    ]
    if basis is not None:
        lines.append(
            f"At {basis.name} the store (every tier, the generator and the rest "
            f"of the machine left out) spent {basis.store_ms_per_page_view():.1f} "
            f"ms of CPU per page view; its {found.store_cores:.2f} cores (the "
            f"box's less the generator's) are full at about "
            f"{found.saturation * shoppers.PAGE_VIEWS:.0f} page views a second, "
            f"×{found.saturation:.2f} of the peak. Latency passes 100 ms before "
            f"the cores are full, so the knee lies below that."
        )
    return lines


def _rates(steps: list[Step]) -> list[str]:
    rows = []
    for s in steps:
        got, want = s.achieved, s.target
        pages = max(1, sum(1 for x in s.samples if x.page))
        rows.append(
            [
                s.name,
                f"{s.seconds:.0f}",
                f"{got['page_views']:.1f} / {want['page_views']:.0f}",
                f"{s.good_page_views():.1f}",
                f"{got['new_sessions']:.1f} / {want['new_sessions']:.1f}",
                f"{got['orders']:.2f} / {want['orders']:.1f}",
                f"{len(s.samples) / s.seconds:.0f}",
                f"{s.app_requests / pages:.2f}",
                f"{percentile(s.loop_lags, 0.99) * 1000:.0f}",
                "; ".join(s.why_not()) or "carries",
            ]
        )
    head = ["step", "s", "page views", "good page views", "new sessions", "orders",
            "requests/s",
            "app requests per page view",
            "generator's loop late, p99 ms", "verdict"]  # fmt: skip
    return _table(head, rows)


def _latency(step: Step, kind: str) -> str:
    if (v := step.latencies().get(kind)) is None:
        return ""
    return f"{v[1]:.0f} / {v[2]:.0f} / {v[3]:.0f} ({v[0]})"


def _varnish(steps: list[Step]) -> list[str]:
    head = ["step", "hits", "misses", "passes", "grace hits",
            "hit ratio (hits ÷ hits+misses)",
            "answered from cache (hits ÷ requests)",
            "evicted for room"]  # fmt: skip
    rows = []
    for s in steps:
        hit, miss = s.varnish.get("cache_hit", 0), s.varnish.get("cache_miss", 0)
        asked = s.varnish.get("client_req", 0)
        rows.append(
            [s.name, hit, miss, s.varnish.get("s_pass", 0),
             s.varnish.get("cache_hit_grace", 0), _ratio(hit, miss),
             _ratio(hit, asked - hit), s.varnish.get("n_lru_nuked", 0)]
        )  # fmt: skip
    return _table(head, rows)


CACHE_STATES = ("HIT", "HIT-STALE", "MISS", "MISS-AGAIN", "PASS", "")


def _cache_by_kind(step: Step) -> list[str]:
    pages = max(1, sum(1 for x in step.samples if x.page))
    rows = []
    for kind, seen in step.cache_by_kind().items():
        total = sum(n for state, n in seen.items() if state != "MISS-AGAIN")
        rows.append(
            [kind, f"{total / pages:.3f}"]
            + [f"{seen.get(state, 0) / pages:.3f}" for state in CACHE_STATES]
        )
    head = ["kind", "requests", "hits", "stale hits", "misses",
            "of which asked before", "passes", "not from Varnish"]  # fmt: skip
    return _table(head, rows)


def _json(s: Step) -> dict:
    return {
        "name": s.name,
        "multiple": s.multiple,
        "seconds": s.seconds,
        "held": s.held,
        "dropped": s.dropped,
        "achieved": s.achieved,
        "target": s.target,
        "requests": len(s.samples),
        "statuses": {str(k): v for k, v in s.statuses().items()},
        "refusals": {f"{k} {st}": n for (k, st), n in s.refusals().items()},
        "latencies": s.latencies(),
        "cpu": s.cpu,
        "varnish": s.varnish,
        "cache_by_kind": s.cache_by_kind(),
        "cache": {f"{t} {p}": v for (t, p), v in s.cache.items()},
        "app_requests": s.app_requests,
        "loop_late_p99_ms": percentile(s.loop_lags, 0.99) * 1000,
        "store_cpu_ms_per_page_view": s.store_ms_per_page_view(),
        "invariants": s.invariants,
        "broken": s.broken,
        "why_not": s.why_not(),
    }


def _ratio(hits: int, misses: int) -> str:
    return f"{hits / (hits + misses):.3f}" if hits + misses else "–"


def _per_page(step: Step, component: str) -> float:
    pages = sum(1 for x in step.samples if x.page)
    return step.cpu.get(component, 0.0) * step.seconds * 1000 / pages if pages else 0.0


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name.replace("×", "x")).strip("_")
