"""Opening a store: URL resolution, clear errors, migrations, connection settings, stats."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from parallax.store import DEFAULT_DB, Store, StoreError, resolve_db_url
from parallax.store.engine import alembic_config
from parallax.store.schema import metadata

PG = "postgresql+psycopg://user:secret@db.example.org:5432/news"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sqlite:///x.db", "sqlite:///x.db"),
        ("x.db", "sqlite:///x.db"),
        ("/data/news.db", "sqlite:////data/news.db"),
        ("postgres://user:secret@db.example.org:5432/news", PG),
        ("postgresql://user:secret@db.example.org:5432/news", PG),
        (PG, PG),
    ],
)
def test_resolve_explicit_values(value, expected, monkeypatch):
    monkeypatch.setenv("PARALLAX_DB", "sqlite:///from-env.db")
    assert resolve_db_url(value) == expected


def test_resolve_falls_back_to_env_then_default(monkeypatch):
    monkeypatch.delenv("PARALLAX_DB", raising=False)
    assert resolve_db_url(None) == DEFAULT_DB == "sqlite:///parallax.db"
    monkeypatch.setenv("PARALLAX_DB", "env.db")
    assert resolve_db_url(None) == "sqlite:///env.db"
    assert resolve_db_url("") == "sqlite:///env.db"


def test_resolve_expands_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_db_url("~/n.db") == f"sqlite:///{tmp_path}/n.db"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url://", "invalid database URL"),
        ("mysql+pymysql://u@localhost/db", "unsupported database"),
        ("postgresql+nosuchdriver://u@localhost/db", "cannot use database"),
    ],
)
def test_bad_urls_are_clear_errors(url, message):
    with pytest.raises(StoreError, match=message):
        Store.open(url)


def test_unreachable_server_is_a_clear_error_without_the_password():
    with pytest.raises(StoreError) as caught:
        Store.open("postgresql+psycopg://parallax:hunter2@127.0.0.1:1/news")
    assert "127.0.0.1:1/news" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_sqlite_problems_are_clear_errors(tmp_path):
    with pytest.raises(StoreError, match="unable to open"):
        Store.open(f"sqlite:///{tmp_path}/missing-dir/x.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a database"):
        Store.open(str(junk))


def test_reopening_keeps_everything(fresh_db_url, make_article):
    article = make_article()
    with Store.open(fresh_db_url) as store:
        store.add_articles([article])
        store.assign([(article.id, 1)])
    with Store.open(fresh_db_url) as store:
        assert store.get_article(article.id) == article
        assert store.story_ids_of([article.id]) == {article.id: 1}
        assert [hit.article.id for hit in store.search(article.text.split()[-1])] == [article.id]


def _without_search_index(diff: list) -> list:
    """Drop the backend-specific full-text objects, which the metadata leaves out on purpose."""

    def is_search(entry: tuple) -> bool:
        names = {getattr(part, "name", None) for part in entry if not isinstance(part, str)}
        return bool(names & {"search", "ix_articles_search"}) or any(
            str(name).startswith("articles_fts") for name in names
        )

    return [entry for entry in diff if not (isinstance(entry, tuple) and is_search(entry))]


def test_migrations_create_exactly_the_declared_schema(fresh_db_url):
    Store.open(fresh_db_url).close()
    engine = create_engine(fresh_db_url, poolclass=NullPool)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert _without_search_index(diff) == []
    assert {"articles", "analyses", "stories", "story_articles", "alembic_version"} <= tables


def test_downgrade_removes_everything_and_upgrade_restores_it(fresh_db_url, make_article):
    Store.open(fresh_db_url).close()
    engine = create_engine(fresh_db_url, poolclass=NullPool)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
    engine.dispose()
    with Store.open(fresh_db_url) as store:
        article = make_article()
        assert store.add_articles([article]).added == [article.id]
        assert len(store.search(article.text.split()[-1])) == 1


def test_a_database_from_a_newer_version_is_refused(fresh_db_url):
    Store.open(fresh_db_url).close()
    engine = create_engine(fresh_db_url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from-the-future'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer parallax"):
        Store.open(fresh_db_url)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_connection_settings(store):
    with store._engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000}


def test_in_memory_sqlite_keeps_its_data_across_calls(make_article):
    with Store.open("sqlite://") as store:
        store.add_articles([make_article()])
        assert store.count_articles() == 1
        assert store.stats()["size_bytes"] == 0


def test_stats(store, make_article):
    empty = store.stats()
    assert (empty["articles"], empty["stories"], empty["outlets"], empty["analyzed"]) == (0,) * 4
    assert empty["languages"] == {} and empty["first_published"] is None
    first = datetime(2020, 12, 29, 9, tzinfo=UTC)
    last = datetime(2020, 12, 30, 9, tzinfo=UTC)
    batch = [
        make_article(lang="en", outlet="aa.com.tr", published=last),
        make_article(lang="ru", outlet="tass.ru", published=first),
        make_article(lang="ru", outlet="tass.ru", published=None),
        make_article(lang=None, outlet=None),
    ]
    store.add_articles(batch)
    store.assign([(batch[0].id, 1), (batch[1].id, 1), (batch[2].id, 2)])
    stats = store.stats()
    assert stats["articles"] == 4
    assert stats["stories"] == 2
    assert stats["outlets"] == 2
    assert stats["languages"] == {"ru": 2, "en": 1}
    assert stats["first_published"] == first
    assert stats["last_published"] == last
    assert stats["size_bytes"] > 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_size_counts_the_write_ahead_log(store, db_url, make_article):
    store.add_articles([make_article() for _ in range(50)])
    path = Path(db_url.removeprefix("sqlite:///"))
    files = [path, path.with_name(path.name + "-wal")]
    assert store.stats()["size_bytes"] == sum(f.stat().st_size for f in files if f.exists())
    assert store.stats()["db"] == db_url
