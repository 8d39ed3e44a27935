"""Connections and migrations: the only place that knows SQLite and PostgreSQL differ.

Writers are serialised on both backends, so the duplicate check in `add_articles` and the
ingest sequence numbers are race-free without retries: SQLite takes its write lock at
`BEGIN IMMEDIATE`, PostgreSQL a transaction-scoped advisory lock. Readers never wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from parallax.store.urls import StoreError, public_url

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_S = 30
_WRITE = "parallax_write"  # execution option marking a connection that will write
_WRITER_LOCK_KEY = 0x7061726C  # "parl": the advisory lock all PostgreSQL writers share


def create_store_engine(url: URL) -> Engine:
    backend = url.get_backend_name()
    try:
        if backend == "sqlite":
            return _sqlite_engine(url)
        if backend == "postgresql":
            return create_engine(
                url,
                pool_pre_ping=True,
                connect_args={"connect_timeout": 10, "application_name": "parallax"},
            )
    except (NoSuchModuleError, SQLAlchemyError) as exc:
        raise StoreError(f"cannot use database {public_url(url)}: {exc}") from exc
    raise StoreError(
        f"unsupported database {backend!r} in {public_url(url)}: use sqlite or postgresql"
    )


def _sqlite_engine(url: URL) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    engine = create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        # One shared connection, or every checkout would see its own empty memory database.
        poolclass=StaticPool if in_memory else None,
    )
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's begin() emit BEGIN itself: the stdlib driver would otherwise run DDL
    # outside transactions and could never take the write lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers keep reading while one writer writes
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    writes = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


@contextmanager
def transaction(engine: Engine, *, write: bool) -> Iterator[Connection]:
    """One transaction: committed when the block ends, rolled back entirely if it raises.

    Database errors come out as StoreError; any other exception propagates after rollback.
    """
    try:
        with engine.connect() as connection:
            if write:
                connection.execution_options(**{_WRITE: True})
            with connection.begin():
                if write and engine.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITER_LOCK_KEY}
                    )
                yield connection
    except SQLAlchemyError as exc:
        raise StoreError(f"database error on {public_url(engine.url)}: {_reason(exc)}") from exc


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    return str(original if original is not None else exc).strip().splitlines()[0]


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op read when it is already there."""
    config = alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with transaction(engine, write=False) as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current == head:
        return
    try:
        with transaction(engine, write=True) as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except CommandError as exc:
        raise StoreError(
            f"cannot migrate {public_url(engine.url)} (revision {current!r}): {exc}; "
            "was it created by a newer parallax?"
        ) from exc
