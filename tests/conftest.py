"""Shared fixtures: a store (and its URL) on SQLite and on PostgreSQL, and an article factory.

Tests taking `store`, `db_url` or `fresh_db_url` run once per backend. PostgreSQL tests use
databases with random names on 127.0.0.1:5432, dropped afterwards; they are skipped when the
server is unreachable, except under CI=true, where a missing server is a failure.

Creating a PostgreSQL database costs ~1 s here, so `store` and `db_url` share one database per
session, emptied before every test (as empty as a new one, schema already migrated), while
`fresh_db_url` creates a brand-new one for tests about migrations themselves.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from parallax.model import Article
from parallax.store import Store
from parallax.store.schema import metadata

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    """The maintenance-database conninfo, once the server has answered (checked once)."""
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.Error as exc:
        message = f"PostgreSQL not reachable at 127.0.0.1:5432 ({' '.join(str(exc).split())})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true requires it")
        pytest.skip(message)
    return PG_ADMIN


@contextmanager
def _postgres_database(admin: str) -> Iterator[str]:
    name = f"parallax_test_{secrets.token_hex(6)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield PG_URL.format(name=name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def postgres_shared(postgres_admin: str) -> Iterator[str]:
    with _postgres_database(postgres_admin) as url:
        Store.open(url).close()
        yield url


def _emptied(url: str) -> str:
    """Delete every row (children first); fails fast if a leaked transaction holds a lock."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store: a new SQLite file, or the emptied shared PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'parallax.db'}"
    return _emptied(request.getfixturevalue("postgres_shared"))


@pytest.fixture(params=BACKENDS)
def fresh_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database nothing has touched yet (no schema at all)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        with _postgres_database(request.getfixturevalue("postgres_admin")) as url:
            yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        yield opened


@pytest.fixture
def make_article() -> Callable[..., Article]:
    """Factory of distinct, valid articles; keyword arguments override any field.

    Each call gets a new id, URL, text and date (one hour after the previous one), and a
    content hash computed from the final text unless one is given.
    """
    counter = itertools.count(1)
    start = datetime(2020, 12, 29, 8, 0, tzinfo=UTC)

    def make(**overrides: object) -> Article:
        n = next(counter)
        fields: dict = {
            "id": f"article-{n}",
            "text": f"Report number {n} on the talks, with details unique to item{n}.",
            "title": f"Headline {n}",
            "url": f"https://news.example.com/{n}",
            "outlet": "news.example.com",
            "lang": "en",
            "published": start + timedelta(hours=n),
            "source": f"fixtures/{n}.txt",
        }
        fields.update(overrides)
        fields.setdefault("content_hash", hashlib.sha256(str(fields["text"]).encode()).hexdigest())
        return Article(**fields)

    return make


@pytest.fixture
def isolated_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Saved centroid indexes go to this test's folder, and none is cached in the process
    before or after it: each test's stores start as a new process would see them."""
    from parallax.link import state as link_state

    monkeypatch.setenv(link_state.INDEX_ENV, str(tmp_path / "index"))
    link_state.drop_cached_indexes()
    yield
    link_state.drop_cached_indexes()
