"""The Varnish purger conforms to ``IPurger`` against a real varnishd running
deploy/varnish/emporium.vcl (whose purgers ACL admits loopback)."""

from __future__ import annotations

import pytest

from emporium.purge.varnish import VarnishPurger
from tests.integration.test_varnish import varnish_server
from tests.services import free_port
from tests.unit.emporium.purge.conformance import PurgerConformance, audit_sessions


@pytest.fixture(scope="module")
def varnish(tmp_path_factory):
    # No backend answers: purges and bans never reach one.
    workdir = tmp_path_factory.mktemp("purger")
    with varnish_server(free_port(), workdir, "purger-conformance-key") as port:
        yield port


class TestVarnishPurger(PurgerConformance):
    @pytest.fixture
    def dbsession_factory(self):
        yield from audit_sessions()

    @pytest.fixture
    def purger(self, varnish, dbsession_factory):
        return VarnishPurger(
            [f"http://127.0.0.1:{varnish}"], dbsession_factory, attempts=1
        )

    def test_each_answer_is_varnishs_own(self, purger):
        results = purger.purge_keys(["product:9003"], "tester")
        assert [r.status for r in results] == [200]
        assert results[0].message.startswith("200 ")
