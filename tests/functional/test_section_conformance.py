"""The sections Emporium ships pass the testing kit's conformance check on
PostgreSQL, where its migrations check makes a throwaway database on the
application's server (the kit's own tests run it on SQLite)."""

from __future__ import annotations

import pytest

from emporium.testing import check_section

DATABASES = ("postgresql",)


@pytest.mark.parametrize("section", ["books", "videogames"])
def test_a_shipped_section_conforms(wsgi_app, section):
    check_section(wsgi_app, section)
