"""The embedded default's purger (no proxy configured) conforms to
``IPurger``; the Varnish one does in tests/integration/test_purger_conformance.py."""

from __future__ import annotations

import pytest

from emporium.purge.varnish import NO_PROXY, VarnishPurger
from tests.unit.emporium.purge.conformance import PurgerConformance, audit_sessions


class TestNoProxyPurger(PurgerConformance):
    @pytest.fixture
    def dbsession_factory(self):
        yield from audit_sessions()

    @pytest.fixture
    def purger(self, dbsession_factory):
        return VarnishPurger((), dbsession_factory)

    def test_it_says_no_proxy_was_told(self, purger):
        results = purger.purge_urls(["/a-page"], "tester")
        assert [(r.proxy, r.message) for r in results] == [("none", NO_PROXY)]
