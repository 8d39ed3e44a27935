"""The persistent store: articles, their analyses and story assignments, on SQLite or PostgreSQL.

Every public method is one transaction, so a failure anywhere in a call leaves the store exactly
as it was before the call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, Row, Select, distinct, func, select
from sqlalchemy.dialects import postgresql, sqlite

from parallax.model import Analysis, Article, ReadError, Story
from parallax.store.codec import decode_analysis, encode_analysis
from parallax.store.engine import create_store_engine, migrate, transaction
from parallax.store.schema import analyses, articles, stories, story_articles
from parallax.store.search import query_words, search_statement
from parallax.store.urls import parse_url, public_url, resolve_db_url

_CHUNK = 500  # ids per IN (...) list: far below every backend's bound-parameter limit
_TITLE_WORDS = 12
_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


@dataclass
class AddResult:
    """Outcome of `add_articles`, by incoming article id.

    `errors` holds articles that cannot be stored at all (no id, no text, NUL characters);
    they are reported instead of failing the rest of the batch.
    """

    added: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)


@dataclass
class SearchHit:
    article: Article
    snippet: str  # matched words wrapped in MARK_START / MARK_END
    rank: float  # higher is better; comparable within one result list only


class Store:
    """Open with `Store.open(url)`; safe to share between threads (one pool of connections)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect: str = engine.dialect.name

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Connect (resolving `url` like the CLI does) and create or migrate the schema."""
        parsed = parse_url(resolve_db_url(url))
        engine = create_store_engine(parsed)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _read(self) -> AbstractContextManager[Connection]:
        return transaction(self._engine, write=False)

    def _write(self) -> AbstractContextManager[Connection]:
        return transaction(self._engine, write=True)

    # articles

    def add_articles(self, items: Iterable[Article]) -> AddResult:
        """Store new articles; one already stored (same id, URL or content hash) is skipped.

        Duplicates are detected against the store and within the batch (first one wins).
        """
        result = AddResult()
        valid: list[tuple[Article, str]] = []
        for article in items:
            problem = _invalid(article)
            if problem:
                result.errors.append(ReadError(article.source or str(article.id), problem))
            else:
                valid.append((article, article.content_hash or _readers_hash(article.text)))
        with self._write() as conn:
            seen = _stored_keys(conn, valid)
            seq = conn.execute(select(func.coalesce(func.max(articles.c.seq), 0))).scalar_one()
            now = datetime.now(UTC)
            rows = []
            for article, content_hash in valid:
                keys = _keys(article, content_hash)
                if keys & seen:
                    result.duplicates.append(article.id)
                    continue
                seen |= keys
                seq += 1
                rows.append(_article_row(article, content_hash, seq, now))
                result.added.append(article.id)
            if rows:
                conn.execute(articles.insert(), rows)
        return result

    def get_article(self, article_id: str) -> Article | None:
        found = self.get_articles([article_id])
        return found[0] if found else None

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        """The stored ones among `ids`, in the order asked for."""
        with self._read() as conn:
            by_id = _articles_by_id(conn, ids)
        return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]

    def iter_articles(
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        lang: str | None = None,
        outlet: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Article]:
        """Newest first; `since` is inclusive, `until` exclusive; undated articles come last."""
        query = select(articles)
        if lang is not None:
            query = query.where(articles.c.lang == lang)
        if outlet is not None:
            query = query.where(articles.c.outlet == outlet)
        if since is not None:
            query = query.where(articles.c.published >= since)
        if until is not None:
            query = query.where(articles.c.published < until)
        query = query.order_by(articles.c.published.desc().nulls_last(), articles.c.seq.desc())
        with self._read() as conn:
            rows = conn.execute(query.limit(limit).offset(offset)).all()
        return [_to_article(row) for row in rows]

    def count_articles(self) -> int:
        with self._read() as conn:
            return conn.execute(select(func.count()).select_from(articles)).scalar_one()

    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]:
        """Articles containing every word of `query`, best first; any input is accepted."""
        words = query_words(query)
        if limit < 1 or not words:
            return []
        statement, params = search_statement(self._dialect, words, limit)
        with self._read() as conn:
            rows = conn.execute(statement, params).all()
            found = _articles_by_id(conn, [row[0] for row in rows])
        return [SearchHit(found[i], snippet, float(rank)) for i, snippet, rank in rows]

    def stats(self) -> dict[str, Any]:
        with self._read() as conn:
            totals = conn.execute(
                select(
                    func.count(),
                    func.count(distinct(articles.c.outlet)),
                    func.min(articles.c.published),
                    func.max(articles.c.published),
                )
            ).one()
            languages = conn.execute(
                select(articles.c.lang, func.count())
                .where(articles.c.lang.is_not(None))
                .group_by(articles.c.lang)
                .order_by(func.count().desc(), articles.c.lang)
            ).all()
            story_count = conn.execute(select(func.count(distinct(story_articles.c.story_id))))
            analyzed = conn.execute(select(func.count()).select_from(analyses)).scalar_one()
            size = self._size_bytes(conn)
            return {
                "articles": totals[0],
                "stories": story_count.scalar_one(),
                "outlets": totals[1],
                "languages": dict(languages),
                "first_published": totals[2],
                "last_published": totals[3],
                "analyzed": analyzed,
                "db": public_url(self._engine.url),
                "size_bytes": size,
            }

    def _size_bytes(self, conn: Connection) -> int:
        if self._dialect == "postgresql":
            return conn.execute(select(func.pg_database_size(func.current_database()))).scalar_one()
        database = self._engine.url.database
        if database in (None, "", ":memory:"):
            return 0
        files = (Path(database), Path(database + "-wal"))
        return sum(path.stat().st_size for path in files if path.exists())

    # analyses

    def save_analyses(self, items: Iterable[Analysis]) -> None:
        """Insert or replace the analysis of each article (the newest call wins)."""
        rows = list({row["article_id"]: row for row in map(encode_analysis, items)}.values())
        if not rows:
            return
        insert = _INSERT[self._dialect](analyses)
        upsert = insert.on_conflict_do_update(
            index_elements=[analyses.c.article_id],
            set_={name: insert.excluded[name] for name in ("version", "data", "embedding")},
        )
        with self._write() as conn:
            conn.execute(upsert, rows)

    def get_analyses(self, ids: Sequence[str]) -> dict[str, Analysis]:
        with self._read() as conn:
            rows = _select_in(conn, analyses, ids, analyses.c.article_id)
        return {row.article_id: decode_analysis(*row) for row in rows}

    def ids_needing_analysis(self, version: str) -> list[str]:
        """Articles never analysed or analysed by another version, in ingest order."""
        query = (
            select(articles.c.id)
            .outerjoin(analyses, analyses.c.article_id == articles.c.id)
            .where((analyses.c.version.is_(None)) | (analyses.c.version != version))
            .order_by(articles.c.seq)
        )
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    # stories

    def next_story_id(self) -> int:
        with self._read() as conn:
            return conn.execute(select(func.coalesce(func.max(stories.c.id), 0) + 1)).scalar_one()

    def assign(self, pairs: Iterable[tuple[str, int]]) -> None:
        """Put each article in its story, moving it out of any previous one (last pair wins)."""
        target = {article_id: int(story_id) for article_id, story_id in pairs}
        if not target:
            return
        now = datetime.now(UTC)
        insert_story = _INSERT[self._dialect](stories)
        insert_member = _INSERT[self._dialect](story_articles)
        with self._write() as conn:
            conn.execute(
                insert_story.on_conflict_do_update(
                    index_elements=[stories.c.id], set_={"updated_at": now}
                ),
                [{"id": i, "created_at": now, "updated_at": now} for i in set(target.values())],
            )
            conn.execute(
                insert_member.on_conflict_do_update(
                    index_elements=[story_articles.c.article_id],
                    set_={
                        "story_id": insert_member.excluded.story_id,
                        "assigned_at": insert_member.excluded.assigned_at,
                    },
                ),
                [{"article_id": a, "story_id": s, "assigned_at": now} for a, s in target.items()],
            )

    def story_ids_of(self, article_ids: Sequence[str]) -> dict[str, int]:
        with self._read() as conn:
            rows = _select_in(conn, story_articles, article_ids)
        return {row.article_id: row.story_id for row in rows}

    def stories(self, *, limit: int | None = None, offset: int = 0) -> list[Story]:
        """Stories with at least one article: the biggest first, then the most recent."""
        size = func.count().label("size")
        last = func.max(articles.c.published)
        query = (
            select(story_articles.c.story_id, size)
            .join(articles, articles.c.id == story_articles.c.article_id)
            .group_by(story_articles.c.story_id)
            .order_by(size.desc(), last.desc().nulls_last(), story_articles.c.story_id.desc())
            .limit(limit)
            .offset(offset)
        )
        with self._read() as conn:
            ids = list(conn.execute(query).scalars())
            members = _members(conn, ids)
        return [_story(i, members[i]) for i in ids]

    def story(self, story_id: int) -> Story | None:
        with self._read() as conn:
            members = _members(conn, [story_id])
        return _story(story_id, members[story_id]) if members else None

    def clear_stories(self) -> None:
        with self._write() as conn:
            conn.execute(story_articles.delete())
            conn.execute(stories.delete())


def _readers_hash(text: str) -> str:
    """The readers' content hash, for articles built elsewhere (API, Spark) without one.

    Imported on demand: readers set the hash themselves, so most processes never need ingest.
    """
    from parallax.ingest.normalize import content_hash

    return content_hash(text)


def _invalid(article: Article) -> str | None:
    """Why an article cannot be stored, or None; NUL is refused by PostgreSQL text columns."""
    if not isinstance(article.id, str) or not article.id.strip():
        return "article has no id"
    if not isinstance(article.text, str) or not article.text.strip():
        return f"article {article.id}: empty text"
    if article.published is not None and not isinstance(article.published, datetime):
        return f"article {article.id}: published is not a datetime"
    strings = (
        article.id,
        article.text,
        article.title,
        article.url,
        article.outlet,
        article.lang,
        article.author,
        article.source,
        article.content_hash,
    )
    if any(isinstance(value, str) and "\x00" in value for value in strings):
        return f"article {article.id}: contains a NUL character"
    return None


def _keys(article: Article, content_hash: str) -> set[tuple[str, str]]:
    """What makes an article the same as another: its id, its URL, its normalised text."""
    keys = {("id", article.id), ("hash", content_hash)}
    if article.url:
        keys.add(("url", article.url))
    return keys


def _stored_keys(conn: Connection, batch: Sequence[tuple[Article, str]]) -> set[tuple[str, str]]:
    """Which of the batch's keys are already in the store."""
    columns = {"id": articles.c.id, "url": articles.c.url, "hash": articles.c.content_hash}
    wanted = set().union(*(_keys(article, content_hash) for article, content_hash in batch))
    found: set[tuple[str, str]] = set()
    for kind, column in columns.items():
        values = sorted(value for key, value in wanted if key == kind)
        for chunk in _chunks(values):
            present = conn.execute(select(column).where(column.in_(chunk))).scalars()
            found.update((kind, value) for value in present)
    return found


def _article_row(article: Article, content_hash: str, seq: int, now: datetime) -> dict[str, Any]:
    return {
        "id": article.id,
        "seq": seq,
        "url": article.url or None,
        "content_hash": content_hash,
        "title": article.title,
        "text": article.text,
        "lang": article.lang,
        "outlet": article.outlet,
        "published": article.published,
        "author": article.author,
        "source": article.source or "",
        "source_format": article.source_format,
        "ingested_at": now,
    }


def _to_article(row: Row) -> Article:
    return Article(
        id=row.id,
        text=row.text,
        title=row.title,
        url=row.url,
        outlet=row.outlet,
        lang=row.lang,
        published=row.published,
        author=row.author,
        source=row.source,
        source_format=row.source_format,
        content_hash=row.content_hash,
    )


def _articles_by_id(conn: Connection, ids: Sequence[str]) -> dict[str, Article]:
    return {row.id: _to_article(row) for row in _select_in(conn, articles, ids)}


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _select_in(conn: Connection, table: Any, ids: Sequence[Any], column: Any = None) -> list[Row]:
    """Rows of `table` whose key (first primary-key column by default) is in `ids`."""
    key = column if column is not None else table.primary_key.columns[0]
    rows: list[Row] = []
    for chunk in _chunks(list(dict.fromkeys(ids))):
        rows.extend(conn.execute(select(table).where(key.in_(chunk))).all())
    return rows


def _members(conn: Connection, story_ids: Sequence[int]) -> dict[int, list[Row]]:
    """Each story's articles (without the full text), oldest first, undated last."""
    members: dict[int, list[Row]] = {}
    for chunk in _chunks(story_ids):
        query: Select = (
            select(
                story_articles.c.story_id,
                articles.c.id,
                articles.c.title,
                func.substr(articles.c.text, 1, 400).label("opening"),
                articles.c.outlet,
                articles.c.lang,
                articles.c.published,
            )
            .join(articles, articles.c.id == story_articles.c.article_id)
            .where(story_articles.c.story_id.in_(chunk))
            .order_by(articles.c.published.asc().nulls_last(), articles.c.seq)
        )
        for row in conn.execute(query):
            members.setdefault(row.story_id, []).append(row)
    return members


def _story(story_id: int, members: list[Row]) -> Story:
    dates = [m.published for m in members if m.published is not None]
    return Story(
        id=story_id,
        title=_story_title(members),
        article_ids=[m.id for m in members],
        first_seen=min(dates, default=None),
        last_seen=max(dates, default=None),
        outlets=sorted({m.outlet for m in members if m.outlet}),
        languages=sorted({m.lang for m in members if m.lang}),
    )


def _story_title(members: list[Row]) -> str:
    """The earliest headline; failing any, the opening words of the earliest article."""
    for member in members:
        if member.title and member.title.strip():
            return member.title.strip()
    words = members[0].opening.split()
    return " ".join(words[:_TITLE_WORDS]) + ("…" if len(words) > _TITLE_WORDS else "")
