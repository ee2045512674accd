from __future__ import annotations

import pytest

from emporium.testing.databases import fresh_database


def test_a_sqlite_database_is_a_new_file(tmp_path_factory):
    first = fresh_database(None, "sqlite", tmp_path_factory)
    second = fresh_database(None, "sqlite", tmp_path_factory)
    assert first.startswith("sqlite:///") and first != second


def test_an_unknown_database_is_named():
    with pytest.raises(pytest.UsageError, match="'oracle': expected sqlite"):
        fresh_database(None, "oracle", None)
