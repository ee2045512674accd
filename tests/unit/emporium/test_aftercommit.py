"""Work after commit: keys collected on flush and by checks go to each
channel once per commit, never for a rollback; the repeater does work once
more, in one call for what falls due together, and sends what a process
still holds when it exits."""

from __future__ import annotations

import time

import pytest
from pyramid.registry import Registry
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from emporium import aftercommit
from emporium.audit import AuditEntry


@pytest.fixture
def registry():
    registry = Registry()
    registry.calls = []
    for name in ("first", "second"):
        aftercommit.add_channel(
            registry,
            name,
            lambda reg, keys, actor, name=name: reg.calls.append((name, keys, actor)),
        )
    aftercommit.get_channel(registry, "first").keys.append(
        (AuditEntry, lambda entry, reg: [f"audit:{entry.target}"])
    )
    return registry


@pytest.fixture
def session(registry):
    engine = create_engine("sqlite://")
    AuditEntry.__table__.create(engine)
    with Session(engine) as session:
        aftercommit.watch(session, registry)
        yield session
    engine.dispose()


def entry(target: str) -> AuditEntry:
    return AuditEntry(actor="tester", action="test.write", target=target)


def test_each_channel_acts_once_per_commit_in_order(session, registry):
    session.add(entry("a"))
    session.flush()
    aftercommit.after_commit(session, "second", ["page:1"], actor="user:1")
    session.add(entry("b"))
    session.flush()
    assert aftercommit.pending(session, "first") == {"audit:a", "audit:b"}
    assert registry.calls == [], "nothing before the commit"
    session.commit()
    assert registry.calls == [
        ("first", ["audit:a", "audit:b"], "user:1"),
        ("second", ["page:1"], "user:1"),
    ]
    session.commit()
    assert len(registry.calls) == 2, "nothing twice"


def test_a_rollback_does_nothing(session, registry):
    session.add(entry("c"))
    session.flush()
    aftercommit.after_commit(session, "second", ["page:2"], actor="user:2")
    session.rollback()
    session.commit()
    assert registry.calls == []


def test_work_that_fails_after_the_commit_does_not_fail_it(session, registry):
    def broken(reg, keys, actor):
        raise OSError("the cache store is gone")

    aftercommit.add_channel(registry, "broken", broken)
    aftercommit.add_channel(
        registry, "after", lambda reg, keys, actor: reg.calls.append(("after", keys))
    )
    session.add(entry("kept"))
    aftercommit.after_commit(session, "broken", ["core:1"])
    aftercommit.after_commit(session, "after", ["page:1"])
    session.commit()  # committed: raising now would answer a 5xx for it
    assert session.query(AuditEntry).filter_by(target="kept").count() == 1
    assert ("after", ["page:1"]) in registry.calls, "the channels after it act"


def test_checks_run_before_the_commit(session, registry):
    aftercommit.get_channel(registry, "second").checks.append(
        lambda dbsession, reg: sorted(aftercommit.pending(dbsession, "first"))
    )
    session.add(entry("d"))
    session.flush()  # before_commit comes before the commit's own flush
    session.commit()
    assert registry.calls == [
        ("first", ["audit:d"], None),
        ("second", ["audit:d"], None),
    ]


def repeater(delay: float) -> tuple[aftercommit.Repeater, list]:
    calls: list[tuple[list[str], str]] = []
    return (
        aftercommit.Repeater(lambda *call: calls.append(call), delay, "test-repeat"),
        calls,
    )


def wait_for(calls: list, count: int) -> None:
    deadline = time.monotonic() + 10  # a hang guard
    while len(calls) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_work_due_together_goes_as_one():
    rep, calls = repeater(0.3)
    rep.later(["product:1"], "merchandiser")
    rep.later(["product:2", "category:7"], "system")
    wait_for(calls, 1)
    time.sleep(0.2)
    assert calls == [(["category:7", "product:1", "product:2"], "merchandiser")]


def test_a_failure_does_not_end_the_thread():
    calls: list = []

    def send(keys, actor):
        calls.append(keys)
        if len(calls) == 1:
            raise OSError("the service is down")

    rep = aftercommit.Repeater(send, 0.05, "test-repeat")
    rep.later(["a"])
    wait_for(calls, 1)
    rep.later(["b"])
    wait_for(calls, 2)
    assert calls == [["a"], ["b"]]


def test_a_process_that_exits_sends_what_it_holds():
    rep, calls = repeater(60)  # the thread would wait a minute
    rep.later(["product:3"], "cli:ops")
    rep.delay = 0.1  # the exit waits no longer than this
    rep.flush()
    assert calls == [(["product:3"], "cli:ops")]
    rep.flush()  # nothing left
    assert len(calls) == 1
