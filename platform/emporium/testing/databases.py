"""Fresh, empty databases for tests: a SQLite file or a PostgreSQL
database."""

from __future__ import annotations

import pytest


def fresh_database(request, backend: str, tmp_path_factory) -> str:
    """A new, empty database; returns its URL. ``backend`` is ``sqlite``
    (a file in the run's temporary folder), ``postgresql`` (on the run's
    throwaway server, the ``emporium_postgresql`` fixture) or the URL of a
    PostgreSQL server."""
    from emporium.testing.servers import create_database

    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "emporium.sqlite"
        return f"sqlite:///{path}"
    if backend == "postgresql":
        return create_database(request.getfixturevalue("emporium_postgresql"))
    if backend.startswith("postgresql"):
        return create_database(backend)
    raise pytest.UsageError(
        f"--emporium-database {backend!r}: expected sqlite, postgresql or a "
        f"postgresql:// URL"
    )
