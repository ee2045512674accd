"""The open-loop engine: shoppers arrive at a set rate whatever the store's
speed (a slow answer never delays the next arrival), each running its
session from the model against one address."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

from bench.capacity.client import Pool
from bench.capacity.shoppers import NEW_SESSIONS, Catalog, Response, Session


@dataclass(frozen=True)
class Sample:
    done: float  # time.monotonic() when the answer was complete
    kind: str
    page: bool
    new: bool  # the session's first request (no cookie yet)
    status: int
    ms: float
    cache: str = ""  # Varnish's X-Cache (HIT, MISS, PASS, HIT-STALE), if any
    again: bool = False  # a URL some shopper had asked before


class Engine:
    """Runs sessions; ``samples`` holds every request's outcome. Requests
    can be held (``hold``) so that the database can be checked while no
    checkout is in flight."""

    def __init__(
        self,
        pool: Pool,
        catalog: Catalog,
        seed: int = 2000,
        think=None,
        max_sessions: int = 5000,
    ):
        self.pool, self.catalog = pool, catalog
        self.rng = random.Random(seed)
        self.think = think
        self.samples: list[Sample] = []
        self.orders: list[str] = []  # order numbers answered 201
        self.finished: list[Session] = []
        self.tasks: set[asyncio.Task] = set()
        self.open = asyncio.Event()
        self.open.set()
        self.checkouts = 0
        self.closing = False
        self.lag = 0.0  # the worst delay of an arrival behind its schedule
        # Past this many sessions in flight an arrival is dropped and
        # counted: the store is far past its knee, and the generator would
        # only spend the box's memory and CPU holding them.
        self.max_sessions = max_sessions
        self.dropped = 0
        # How late the engine's own loop wakes (a 50 ms tick's overshoot):
        # what of a request's time is the generator's, not the store's.
        self.loop_lags: list[float] = []
        # Every URL asked so far: a miss on one of them is a page Varnish
        # had and let go (its TTL ran out, or it was purged or evicted).
        self.asked: set[str] = set()

    async def arrive(self, multiple: float, seconds: float) -> None:
        """New sessions at ``multiple`` × the peak's 56 a second (Poisson)
        for ``seconds``; those still running go on afterwards."""
        rate = NEW_SESSIONS * multiple
        watcher = asyncio.create_task(self.watch())
        try:
            await self._arrive(rate, seconds)
        finally:
            watcher.cancel()

    async def _arrive(self, rate: float, seconds: float) -> None:
        start = time.monotonic()
        due = start + self.rng.expovariate(rate)
        while due < start + seconds:
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
            else:
                self.lag = max(self.lag, now - due)
            if len(self.tasks) >= self.max_sessions:
                self.dropped += 1
                due += self.rng.expovariate(rate)
                continue
            kwargs = {} if self.think is None else {"think": self.think}
            session = Session(
                self.catalog, random.Random(self.rng.getrandbits(64)), **kwargs
            )
            task = asyncio.create_task(self._run(session))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            due += self.rng.expovariate(rate)

    async def watch(self, tick: float = 0.05) -> None:
        """Records the loop's lateness every ``tick`` until cancelled."""
        while True:
            due = time.monotonic() + tick
            await asyncio.sleep(tick)
            self.loop_lags.append(max(0.0, time.monotonic() - due))

    async def hold(self) -> None:
        """Until no checkout is in flight. Every new request waits for
        ``release``, so the ones in flight drain at once even when the
        connections are all taken."""
        self.open.clear()
        while self.checkouts:
            await asyncio.sleep(0.01)

    def release(self) -> None:
        self.open.set()

    async def finish(self) -> None:
        """Stops every session at its next step (none sends a new request):
        those waiting for a connection fail as the pool closes, those
        thinking are cancelled."""
        self.closing = True
        self.pool.close()
        self.open.set()
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=self.pool.timeout * 2 + 5)
        for task in set(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=30)

    async def _run(self, session: Session) -> None:
        steps = session.steps()
        request, new = next(steps), True
        while True:
            checkout = request.kind == "checkout"
            await self.open.wait()
            if self.closing:
                return
            self.checkouts += checkout
            start = time.monotonic()
            try:
                response = await self.pool.send(request)
            except Exception:  # refused, reset, timed out, garbled: no answer
                response = Response(0, {})
            finally:
                self.checkouts -= checkout
            done = time.monotonic()
            again = request.path in self.asked
            if not again and request.method == "GET":
                self.asked.add(request.path)
            if checkout and response.status == 201:
                self.orders.append(response.json().get("number", "?"))
            self.samples.append(
                Sample(done, request.kind, request.page, new, response.status,
                       (done - start) * 1000, response.headers.get("x-cache", ""),
                       again)
            )  # fmt: skip
            new = False
            if request.think:
                await asyncio.sleep(request.think)
            try:
                request = steps.send(response)
            except StopIteration:
                self.finished.append(session)
                return
