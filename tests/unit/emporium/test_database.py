"""SQLite's refusal of a read transaction's late write is retried."""

from __future__ import annotations

import sqlite3

import pytest
from pyramid_retry import IRetryableError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from emporium.database import get_engine


def test_a_locked_database_error_is_retryable(tmp_path):
    engine = get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path}/x.sqlite"})
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    reader = Session(engine)
    reader.execute(text("SELECT * FROM t")).all()  # a deferred read transaction
    with engine.begin() as writer:  # another writer commits meanwhile
        writer.execute(text("INSERT INTO t VALUES (1)"))
    with pytest.raises(OperationalError) as raised:
        reader.execute(text("INSERT INTO t VALUES (2)"))  # upgrade refused at once
    assert isinstance(raised.value.orig, sqlite3.OperationalError)
    assert IRetryableError.providedBy(raised.value)
    reader.close()
