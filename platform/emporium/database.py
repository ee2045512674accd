"""The database: one SQLAlchemy session per request, joined to the
transaction manager (``pyramid_tm``) and retried on transient failures
(``pyramid_retry``).
"""

from __future__ import annotations

import sqlite3
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import transaction
import zope.sqlalchemy
from pyramid.config import Configurator
from sqlalchemy import DateTime, MetaData, engine_from_config, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from emporium.errors import InvalidInput
from emporium.settings import setting_value

# Constraint names are explicit so that migrations can drop them on any
# database, SQLite included.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always read back timezone-aware, on
    SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return (
            value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        )


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base shared by the core and every plugin's models."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin, so that
    # a request that will write can take the write lock up front (_sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; foreign keys are off by
    # default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


WRITE_INTENT = "emporium_write"


def _sqlite_begin(connection) -> None:
    # A deferred transaction that reads, then writes, fails at once when
    # another writer committed in between; BEGIN IMMEDIATE waits its turn.
    if connection.get_execution_options().get(WRITE_INTENT):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def _sqlite_busy_is_retryable(context) -> None:
    # A read transaction that then writes (a GET refreshing its session)
    # cannot wait for the lock like BEGIN IMMEDIATE does: SQLite refuses at
    # once. The whole request is safe to run again, so pyramid_retry does.
    error = context.original_exception
    if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
        from pyramid_retry import mark_error_retryable

        mark_error_retryable(context.sqlalchemy_exception)


# Seconds the request running in this context waits for the server to answer
# one step; None outside requests (commands, migrations, background threads
# may run long statements and wait for them).
_answer_timeout: ContextVar[float | None] = ContextVar(
    "emporium_answer_timeout", default=None
)


def _bounded_connection_class():
    import psycopg
    from psycopg import errors

    class BoundedConnection(psycopg.Connection):
        """A psycopg connection that stops waiting for a server that does not
        answer (frozen, or its host gone without closing the socket: the
        kernel still acknowledges, so TCP timeouts never fire). The
        connection is closed, so the pool replaces it, and the request gets
        the database's 503."""

        def wait(self, gen, interval=0.1, timeout=None):  # type: ignore[override]
            limit = _answer_timeout.get()
            if timeout is not None or not limit:
                return super().wait(gen, interval, timeout)
            try:
                return super().wait(gen, interval, limit)
            except errors._WaitTimeout:
                self.pgconn.finish()
                raise psycopg.OperationalError(
                    f"the database server did not answer within {limit:g} s"
                ) from None

    return BoundedConnection


def _bound_postgresql(engine: Engine, settings: dict) -> None:
    timeout = setting_value(settings, "emporium.database.connect_timeout")
    connection_class = _bounded_connection_class()

    @event.listens_for(engine, "do_connect")
    def connect(dialect, connection_record, cargs, cparams):
        cparams.setdefault("connect_timeout", timeout)
        return connection_class.connect(*cargs, **cparams)


def answer_timeout_tween_factory(handler, registry):
    """Requests wait at most ``emporium.database.answer_timeout`` seconds for
    each answer of the database server, their commit included."""
    limit = setting_value(registry.settings, "emporium.database.answer_timeout")
    if not limit:
        return handler

    def answer_timeout_tween(request):
        token = _answer_timeout.set(limit)
        try:
            return handler(request)
        finally:
            _answer_timeout.reset(token)

    return answer_timeout_tween


def get_engine(settings: dict, prefix: str = "sqlalchemy.") -> Engine:
    # A server that restarted ended the connections the pool holds: each is
    # tested as it leaves the pool and replaced if dead, so the first
    # requests after a restart are served rather than failed. (A setting
    # sqlalchemy.pool_pre_ping = false still turns it off.)
    engine = engine_from_config({f"{prefix}pool_pre_ping": "true", **settings}, prefix)
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        _bound_postgresql(engine, settings)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "handle_error", _sqlite_busy_is_retryable)
    return engine


def begin_write(dbsession: Session) -> None:
    """Declare that this transaction will write, before its first query.

    On SQLite this takes the write lock at once (writers queue instead of
    failing); elsewhere it changes nothing.
    """
    dbsession.connection(execution_options={WRITE_INTENT: True})


def write_intent(view, info):
    """Requests that change state begin their transaction as writers, and so
    does the second attempt of any request: one that met the lock the first
    time wrote (a GET refreshing its session, popping a message), and as a
    writer from the start it waits its turn instead of meeting it again."""

    def view_with_write_intent(context, request):
        if (
            (
                request.method in ("POST", "PUT", "PATCH", "DELETE")
                or request.environ.get("retry.attempt", 0) > 0
            )
            and getattr(request, "exception", None) is None
            and not request.dbsession.in_transaction()
        ):
            begin_write(request.dbsession)
        return view(context, request)

    return view_with_write_intent


def refuse_nul(view, info):
    """A query value holding a NUL character is the request's 400, before a
    view can hand it to PostgreSQL (which refuses NUL in text, as a 500)."""

    def view_refusing_nul(context, request):
        query = request.environ.get("QUERY_STRING", "")
        if ("%00" in query or "\x00" in query) and getattr(
            request, "exception", None
        ) is None:
            for name, value in request.GET.items():
                if "\x00" in name or "\x00" in value:
                    raise InvalidInput(
                        name.replace("\x00", "\\0"),
                        "must not contain a NUL character",
                    )
        return view(context, request)

    return view_refusing_nul


def get_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_tm_session(
    session_factory: sessionmaker[Session],
    transaction_manager: transaction.TransactionManager,
    request: Any = None,
) -> Session:
    """A session joined to ``transaction_manager``: committed or rolled back
    with it, never by hand."""
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def _dbsession(request) -> Session:
    # Tests hand in a session bound to an outer, doomed transaction.
    dbsession = request.environ.get("app.dbsession")
    if dbsession is None:
        dbsession = get_tm_session(
            request.registry["dbsession_factory"], request.tm, request=request
        )
    return dbsession


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    # Annotating transactions with the user would load the session (and touch
    # the database) before the view could declare its intent to write.
    settings["tm.annotate_user"] = "false"
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    config.add_tween(
        "emporium.database.answer_timeout_tween_factory",
        over="pyramid_tm.tm_tween_factory",
    )

    engine = get_engine(settings)
    config.registry["db.engine"] = engine
    config.registry["dbsession_factory"] = get_session_factory(engine)
    config.add_request_method(_dbsession, "dbsession", reify=True)
    config.add_view_deriver(write_intent, under="INGRESS", over="secured_view")
    config.add_view_deriver(refuse_nul, under="write_intent", over="secured_view")
