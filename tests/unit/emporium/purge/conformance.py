"""Behaviour every ``IPurger`` shows: what it answers, and that every target
is audited once in the name of who asked. A test class mixes this in and
provides a ``purger`` fixture auditing into the ``dbsession_factory`` fixture (see
``audit_sessions``)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool
from zope.interface.verify import verifyObject

from emporium.audit import AuditEntry
from emporium.interfaces import IPurger, PurgeResult


def audit_sessions() -> Iterator[sessionmaker]:
    """A session factory over an audit log of its own (for a fixture)."""
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    AuditEntry.__table__.create(engine)
    yield sessionmaker(engine)
    engine.dispose()


def audited(dbsession_factory, action: str) -> list[tuple[str, str]]:
    with dbsession_factory() as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.target)
        )
        return [(e.actor, e.target) for e in entries]


def answered(results) -> None:
    assert results
    assert all(isinstance(r, PurgeResult) for r in results)
    assert all(r.ok for r in results), results
    assert all(r.proxy and r.message for r in results)


class PurgerConformance:
    def test_provides_the_interface(self, purger):
        assert verifyObject(IPurger, purger)

    def test_each_url_is_purged_and_audited_once(self, purger, dbsession_factory):
        urls = ["/conformance/a", "/conformance/b", "/conformance/a"]
        results = purger.purge_urls(urls, "user:1 a@example.com")
        answered(results)
        assert {r.target for r in results} == {"/conformance/a", "/conformance/b"}
        assert audited(dbsession_factory, "purge.url") == [
            ("user:1 a@example.com", "/conformance/a"),
            ("user:1 a@example.com", "/conformance/b"),
        ]

    def test_every_key_is_purged_and_audited(self, purger, dbsession_factory):
        keys = ["product:9001", "category:9002", "product:9001"]
        results = purger.purge_keys(keys, "cli:ops")
        answered(results)
        # A purger may send several keys at once: each is in some target.
        sent = {key for r in results for key in r.target.split(" ")}
        assert sent == {"product:9001", "category:9002"}
        assert audited(dbsession_factory, "purge.key") == [
            ("cli:ops", "category:9002"),
            ("cli:ops", "product:9001"),
        ]

    def test_a_prefix_is_purged_and_audited(self, purger, dbsession_factory):
        results = purger.purge_prefix("/conformance/", "system")
        answered(results)
        assert {r.target for r in results} == {"/conformance/"}
        assert audited(dbsession_factory, "purge.prefix") == [
            ("system", "/conformance/")
        ]

    def test_nothing_to_purge_answers_nothing_and_audits_nothing(
        self, purger, dbsession_factory
    ):
        assert purger.purge_urls([], "nobody") == []
        assert purger.purge_keys([], "nobody") == []
        assert purger.purge_prefix("", "nobody") == []
        for action in ("purge.url", "purge.key", "purge.prefix"):
            assert audited(dbsession_factory, action) == []
