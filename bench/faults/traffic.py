"""What the shoppers sent and got during the drills: every request's route,
status and time, and each checkout by its Idempotency-Key so that one left
without an answer can be sent again as the shopper's page would."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from bench.capacity.client import Pool
from bench.capacity.shoppers import Request, Response
from bench.capacity.steps import failed, percentile

# A path segment that names one thing: digits, or an order number (not v1).
_NUMBERED = re.compile(r"/(?:\d+|[^/]*\d[^/]*-[^/]*)(?=/|$)")


def route(request: Request) -> str:
    """``POST /api/v1/cart/items``, ``GET /products/{id}``: the path with
    its query, ids and slugs left out."""
    path = request.path.split("?", 1)[0]
    for prefix in ("/static/", "/media/", "/images/", "/themes/", "/categories/"):
        if path.startswith(prefix):
            path = prefix + "…"
            break
    else:
        path = _NUMBERED.sub("/{id}", path)
    return f"{request.method} {path}"


def session_id(request: Request) -> str | None:
    """The store's session id from the request's cookie, as carts keep it."""
    for pair in request.headers.get("Cookie", "").split(";"):
        name, _, value = pair.strip().partition("=")
        if name == "emporium_session" and value:
            return value.rpartition(".")[0]
    return None


@dataclass(frozen=True)
class Exchange:
    start: float  # time.monotonic()
    done: float
    route: str
    status: int  # 0: no answer
    error: str = ""  # why there was none: TimeoutError, ConnectionResetError...

    @property
    def outcome(self) -> str:
        return str(self.status) if self.status else f"no answer ({self.error})"

    @property
    def ms(self) -> float:
        return (self.done - self.start) * 1000

    @property
    def failed(self) -> bool:
        return failed(self.status)


@dataclass
class Checkout:
    request: Request
    status: int = 0
    number: str | None = None  # the order number of a 201

    @property
    def open(self) -> bool:
        """No answer, or the proxy's: the order may or may not exist."""
        return self.status == 0 or self.status == 429 or self.status >= 500


class RecordingPool(Pool):
    """The capacity client's pool, keeping what went through it."""

    def __init__(self, host: str, port: int, size: int, timeout: float) -> None:
        super().__init__(host, port, size=size, timeout=timeout)
        self.exchanges: list[Exchange] = []
        self.checkouts: dict[str, Checkout] = {}  # by Idempotency-Key
        # Sessions that checked out or logged in: their carts change by right.
        self.moved: set[str] = set()
        self.in_flight = 0

    async def send(self, request: Request) -> Response:
        self.in_flight += 1
        start = time.monotonic()
        response, error = Response(0, {}), ""
        try:
            response = await super().send(request)
            return response
        except BaseException as exc:
            error = type(exc).__name__
            raise
        finally:
            self.in_flight -= 1
            self._record(request, response, start, error)

    def _record(self, request: Request, response: Response, start, error) -> None:
        name = route(request)
        self.exchanges.append(
            Exchange(start, time.monotonic(), name, response.status, error)
        )
        sid = session_id(request)
        if sid and name in ("POST /api/v1/checkout", "POST /account/login"):
            self.moved.add(sid)
        key = request.headers.get("Idempotency-Key")
        if key and name == "POST /api/v1/checkout":
            checkout = self.checkouts.setdefault(key, Checkout(request))
            checkout.status = response.status
            if response.status == 201:
                checkout.number = response.json().get("number")

    def unanswered(self) -> list[Checkout]:
        """Checkouts whose last try left them open: the shopper's page would
        send them again."""
        return [c for c in self.checkouts.values() if c.open]

    def between(self, start: float, end: float) -> list[Exchange]:
        return [x for x in self.exchanges if start <= x.done < end]


def p99(exchanges: list[Exchange]) -> float:
    return percentile([x.ms for x in exchanges], 0.99)


def steady(exchanges: list[Exchange], limit_ms: float) -> bool:
    """No failure, and p99 within ``limit_ms``."""
    return (
        bool(exchanges)
        and not any(x.failed for x in exchanges)
        and (p99(exchanges) <= limit_ms)
    )


def recovery(
    pool: RecordingPool, back: float, until: float, window: float, limit_ms: float
) -> float | None:
    """Seconds from ``back`` (the component returned) to the start of the
    first ``window`` of answers that is steady; None if none is by ``until``."""
    at = back
    while at + window <= until:
        if steady(pool.between(at, at + window), limit_ms):
            return at - back
        at += 0.5
    return None
