"""The second purge of each change: one for what falls due together, and
what a process still holds when it exits."""

from __future__ import annotations

import time

from pyramid.registry import Registry
from zope.interface import implementer

from emporium.interfaces import IPurger
from emporium.pagecache.purging import PurgeRepeater


@implementer(IPurger)
class RecordingPurger:
    """Our own interface, recording what it is asked (no proxy here)."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], str]] = []

    def purge_keys(self, keys, actor):
        self.calls.append((sorted(keys), actor))
        return []

    def purge_urls(self, urls, actor):
        return []


def repeater(delay: float) -> tuple[PurgeRepeater, RecordingPurger]:
    registry = Registry()
    purger = RecordingPurger()
    registry.registerUtility(purger, IPurger)
    return PurgeRepeater(registry, delay), purger


def test_purges_due_together_go_as_one():
    rep, purger = repeater(0.3)
    rep.later(["product:1"], "merchandiser")
    rep.later(["product:2", "category:7"], "system")
    deadline = time.monotonic() + 10  # a hang guard
    while not purger.calls and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert purger.calls == [
        (["category:7", "product:1", "product:2"], "merchandiser (again)")
    ]


def test_a_process_that_exits_sends_what_it_holds():
    rep, purger = repeater(60)  # the thread would wait a minute
    rep.later(["product:3"], "cli:ops")
    rep.delay = 0.1  # the exit waits no longer than this
    rep.flush()
    assert purger.calls == [(["product:3"], "cli:ops (again)")]
    rep.flush()  # nothing left
    assert len(purger.calls) == 1
