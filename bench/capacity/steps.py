"""One step of the ladder: what the shoppers saw (from the engine's samples)
and what the store did (from the probes' readings before and after)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from bench.capacity.shoppers import GROUPS, PAGE_VIEWS, scaled

P99_LIMIT_MS = 100.0
# The knee is also given with a login judged against a limit of its own: it
# checks a password with Argon2id at the store's parameters, which takes
# more than 100 ms on a slow core by design (the report measures it). The
# last line keeps 100 ms for every kind.
LOGIN_APART = {"login": 500.0}


# What the store is made of, for its CPU per page view (the generator and
# the rest of the machine left out).
STORE = ("haproxy", "varnish", "app", "search", "postgresql", "redis")
# A step counts only if the generator offered what it should: arrivals on
# time and at least this share of the target page views (Poisson noise and
# the sessions still ramping up at the cold start take a few per cent).
OFFERED = 0.9


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def failed(status: int) -> bool:
    """No answer, a server error, a rate limit, or a refusal other than
    409 (sold out is a true answer)."""
    return (
        status == 0
        or status >= 500
        or status == 429
        or (400 <= status < 500 and status != 409)
    )


@dataclass
class Step:
    name: str
    multiple: float
    seconds: float
    samples: list = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # cores, by component
    varnish: dict[str, int] = field(default_factory=dict)  # counter deltas
    cache: dict = field(default_factory=dict)  # (tier, partition) -> (hits, misses)
    app_requests: int = 0
    invariants: dict[str, object] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    lag: float = 0.0
    held: float = 0.0  # seconds the checkouts took to drain after the step
    dropped: int = 0  # arrivals the generator did not offer (too many in flight)
    loop_lags: list = field(default_factory=list)  # the engine's loop, s late

    @property
    def target(self) -> dict[str, float]:
        return scaled(self.multiple)

    @property
    def achieved(self) -> dict[str, float]:
        s = self.seconds or 1
        return {
            "page_views": sum(1 for x in self.samples if x.page) / s,
            "new_sessions": sum(1 for x in self.samples if x.new) / s,
            "orders": sum(
                1 for x in self.samples if x.kind == "checkout" and x.status == 201
            )
            / s,
        }

    @cached_property
    def _latencies(self) -> dict[str, tuple[int, float, float, float]]:
        """kind → (count, p50, p95, p99) in ms, pages first."""
        by_kind: dict[str, list[float]] = defaultdict(list)
        for x in self.samples:
            by_kind[x.kind].append(x.ms)
        order = sorted(by_kind, key=lambda k: (k not in GROUPS, k))
        return {
            k: (len(v), percentile(v, 0.5), percentile(v, 0.95), percentile(v, 0.99))
            for k in order
            if (v := by_kind[k])
        }

    def latencies(self) -> dict[str, tuple[int, float, float, float]]:
        return self._latencies

    @cached_property
    def _statuses(self) -> Counter:
        return Counter(x.status for x in self.samples)

    def statuses(self) -> Counter:
        return self._statuses

    def refusals(self) -> Counter:
        """(kind, status) → count, for every answer that is not a success."""
        return Counter(
            (x.kind, x.status) for x in self.samples if x.status >= 400 or not x.status
        )

    def cache_by_kind(self) -> dict[str, Counter]:
        """kind → how Varnish answered it (its X-Cache: HIT, HIT-STALE,
        MISS, PASS; empty when Varnish did not answer: the edge's own
        refusals, no answer), and MISS-AGAIN: the misses of URLs some
        shopper had asked before."""
        out: dict[str, Counter] = defaultdict(Counter)
        for x in self.samples:
            out[x.kind][x.cache] += 1
            if x.cache == "MISS" and x.again:
                out[x.kind]["MISS-AGAIN"] += 1
        return dict(out)

    def failures(self) -> int:
        return sum(n for status, n in self.statuses().items() if failed(status))

    def mix(self) -> dict[str, float]:
        groups = Counter(GROUPS[x.kind] for x in self.samples if x.page)
        total = sum(groups.values()) or 1
        return {g: n / total for g, n in groups.items()}

    def good_page_views(self) -> float:
        """Page views a second answered without failure within 100 ms."""
        good = sum(
            1
            for x in self.samples
            if x.page and not failed(x.status) and x.ms < P99_LIMIT_MS
        )
        return good / (self.seconds or 1)

    def why_not(self, limits: dict[str, float] | None = None) -> list[str]:
        """What keeps this step from counting; empty when it carries.
        ``limits``: a p99 limit of its own for some kinds (100 ms for the rest)."""

        def limit_ms(kind: str) -> float:
            return (limits or {}).get(kind, P99_LIMIT_MS)

        reasons = []
        if failures := self.failures():
            reasons.append(f"{failures} failed requests")
        slow = [
            k for k, (_, _, _, p99) in self.latencies().items() if p99 >= limit_ms(k)
        ]
        for limit in sorted({limit_ms(k) for k in slow}):
            kinds = ", ".join(k for k in slow if limit_ms(k) == limit)
            reasons.append(f"p99 ≥ {limit:.0f} ms for {kinds}")
        if self.achieved["page_views"] < OFFERED * self.target["page_views"]:
            reasons.append(
                f"{self.achieved['page_views']:.0f} page views/s of "
                f"{self.target['page_views']:.0f} wanted"
            )
        if self.dropped:
            reasons.append(
                f"{self.dropped} arrivals dropped by the generator "
                "(too many sessions in flight)"
            )
        if self.lag > 1.0:
            reasons.append(f"the generator fell {self.lag:.1f} s behind its arrivals")
        reasons += self.broken
        return reasons

    def store_ms_per_page_view(self) -> float:
        """Milliseconds of the store's CPU (every tier) per page view."""
        pages = sum(1 for x in self.samples if x.page)
        busy = sum(self.cpu.get(c, 0.0) for c in STORE) * self.seconds
        return busy * 1000 / pages if pages else 0.0

    def page_views_per_request(self) -> float:
        pages = sum(1 for x in self.samples if x.page)
        return len(self.samples) / pages if pages else 0.0


def carried(steps: list[Step], limits: dict[str, float] | None = None) -> Step | None:
    """The highest step of the ladder that carries, every lower one too."""
    best = None
    for step in sorted(steps, key=lambda s: s.multiple):
        if step.why_not(limits):
            break
        best = step
    return best


@dataclass
class Knee:
    """Where the knee lies: the highest step that carries (every lower one
    too), the first that does not, and the multiple at which the store's
    cores would be full at the CPU per page view it spent at the last step
    below saturation (an estimate between the two measured steps)."""

    carried: Step | None
    failed: Step | None
    store_cores: float  # the box's cores less the generator's at that step
    saturation: float  # × the peak, estimated from the CPU per page view


def knee(steps: list[Step], cores: int) -> Knee:
    ladder = sorted(steps, key=lambda s: s.multiple)
    best = carried(ladder)
    above = next((s for s in ladder if best is None or s.multiple > best.multiple),
                 None)  # fmt: skip
    # The CPU per page view of the step that carries, else of the lowest
    # (closest to an unsaturated store).
    basis = best or (ladder[0] if ladder else None)
    if basis is None:
        return Knee(None, None, float(cores), 0.0)
    store_cores = cores - basis.cpu.get("generator", 0.0)
    cost = basis.store_ms_per_page_view()
    saturation = store_cores * 1000 / cost / PAGE_VIEWS if cost else 0.0
    return Knee(best, above, store_cores, saturation)
