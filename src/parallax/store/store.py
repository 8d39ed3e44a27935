"""The persistent store: articles, their analyses and story assignments, on SQLite or PostgreSQL.

Every public method is one transaction, so a failure anywhere in a call leaves the store exactly
as it was before the call.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import numpy as np
from sqlalchemy import (
    Connection,
    Engine,
    Float,
    Integer,
    Row,
    Select,
    and_,
    case,
    distinct,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from parallax.model import Analysis, Article, ReadError, Story
from parallax.store import link_state
from parallax.store.codec import decode_analysis, encode_analysis
from parallax.store.engine import create_store_engine, migrate, transaction
from parallax.store.link_state import CorpusDelta, LinkState, StoryVector
from parallax.store.schema import (
    analyses,
    articles,
    link_languages,
    metadata,
    stories,
    story_articles,
    story_comparisons,
    story_vectors,
)
from parallax.store.search import fts5_query, query_words, search_statement
from parallax.store.urls import (
    ConcurrentAssignment,
    StoreError,
    parse_url,
    public_url,
    resolve_db_url,
)

_LOCKED_RETRIES = (0.2, 0.5, 1.0)  # seconds between opens refused by a concurrent first open
_CHUNK = 500  # ids per IN (...) list: far below every backend's bound-parameter limit
COPY_CHUNK = 2000  # rows per insert when copying a store: bounded memory, few round trips
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


@dataclass
class StoryListing:
    """One row of a story list: the story, plus what a list shows beyond `Story`."""

    story: Story
    published: list[datetime]  # the members' dates, oldest first: the activity sparkline
    independent_sources: int | None  # from a cached comparison still valid, else None


StorySort = Literal["articles", "recent"]
MemberVector = tuple[str, np.ndarray | None, datetime | None]  # article id, embedding, date


class Store:
    """Open with `Store.open(url)`; safe to share between threads (one pool of connections)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect: str = engine.dialect.name
        self._pinned = threading.local()  # this thread's read transaction, inside `reading()`

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Connect (resolving `url` like the CLI does) and create or migrate the schema."""
        parsed = parse_url(resolve_db_url(url))
        for retry_after in (*_LOCKED_RETRIES, None):
            engine = create_store_engine(parsed)
            try:
                migrate(engine)
                return cls(engine)
            except StoreError as exc:
                engine.dispose()
                # A brand-new SQLite file being switched to WAL by another process can refuse a
                # connection at once, without waiting on the busy timeout: try again shortly.
                if retry_after is None or "database is locked" not in str(exc):
                    raise
                time.sleep(retry_after)
            except BaseException:
                engine.dispose()
                raise

    def close(self) -> None:
        self._engine.dispose()

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return public_url(self._engine.url)

    @property
    def path(self) -> Path | None:
        """The SQLite database file, or None (PostgreSQL, in-memory SQLite)."""
        database = self._engine.url.database
        if self._dialect != "sqlite" or database in (None, "", ":memory:"):
            return None
        return Path(database)

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
        pinned = getattr(self._pinned, "connection", None)
        return nullcontext(pinned) if pinned is not None else transaction(self._engine, write=False)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Serve every read of this thread from one transaction until the block ends.

        A story assignment makes a dozen small reads; as transactions of their own, each costs
        a pool checkout, BEGIN and COMMIT, round trips that cost PostgreSQL more than the
        queries. Writes still go through their own transactions, and on SQLite the reads keep
        one snapshot: do not read back inside the block what was written inside it.
        """
        if getattr(self._pinned, "connection", None) is not None:
            yield
            return
        with transaction(self._engine, write=False) as connection:
            self._pinned.connection = connection
            try:
                yield
            finally:
                self._pinned.connection = None

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

    def duplicate_of(self, article: Article) -> str | None:
        """The id of the stored article this one would duplicate (same id, URL or text)."""
        content_hash = article.content_hash or _readers_hash(article.text)
        same = [articles.c.id == article.id, articles.c.content_hash == content_hash]
        if article.url:
            same.append(articles.c.url == article.url)
        # The id itself first: it is what the caller knows the article by.
        first = case((articles.c.id == article.id, 0), else_=1)
        with self._read() as conn:
            return conn.execute(
                select(articles.c.id).where(or_(*same)).order_by(first).limit(1)
            ).scalar_one_or_none()

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
            set_={
                name: insert.excluded[name]
                for name in ("version", "data", "embedding", "published")
            },
        )
        with self._write() as conn:
            conn.execute(upsert, rows)
            # Re-analysing an article already in a story changes what the clusterer knows of
            # it: its story's vector is recomputed, the corpus statistics must be rebuilt.
            changed = {row.story_id for row in
                       _select_in(conn, story_articles, [row["article_id"] for row in rows])}
            if changed:
                version = link_state.bump_version(conn)
                link_state.recompute_vectors(conn, self._dialect, sorted(changed), version)
                link_state.mark_stale(conn)

    def get_analyses(self, ids: Sequence[str]) -> dict[str, Analysis]:
        columns = (analyses.c.article_id, analyses.c.version, analyses.c.data, analyses.c.embedding)
        rows: list[Row] = []
        with self._read() as conn:
            for chunk in _chunks(list(dict.fromkeys(ids))):
                rows.extend(conn.execute(select(*columns).where(analyses.c.article_id.in_(chunk))))
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

    def assign(
        self,
        pairs: Iterable[tuple[str, int]],
        corpus: CorpusDelta | None = None,
        *,
        based_on: int | None = None,
    ) -> int:
        """Put each article in its story, moving it out of any previous one (last pair wins).

        The stories' vectors (`story_vectors`) follow in the same transaction. `corpus` is what
        the newly assigned articles add to the clusterer's corpus statistics; without it (or if
        it does not match the articles actually newly assigned) the statistics are marked stale
        and rebuilt before the next clustering. `based_on` is the state version the pairs were
        decided from: if another writer has assigned since, ConcurrentAssignment is raised and
        nothing is written. Returns the state version after the call.
        """
        target = {article_id: int(story_id) for article_id, story_id in pairs}
        if not target:
            return self.link_state().version
        now = datetime.now(UTC)
        insert_story = _INSERT[self._dialect](stories)
        insert_member = _INSERT[self._dialect](story_articles)
        with self._write() as conn:
            # Before the memberships change (its stale flag counts them); writers are serialised,
            # so nobody can assign between this read and the commit.
            current = link_state.ensure(conn).version
            if based_on is not None and current != based_on:
                raise ConcurrentAssignment(
                    f"stories were assigned by another writer (state version {current}, "
                    f"expected {based_on})"
                )
            rows = _select_in(conn, story_articles, list(target))
            previous_of = {row.article_id: row.story_id for row in rows}
            previous = set(previous_of.values())
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
            _refresh_story_stats(conn, previous | set(target.values()))
            version = link_state.bump_version(conn)
            analysed = link_state.update_story_vectors(
                conn, self._dialect, target, previous_of, version
            )
            newly = {a for a in analysed if a not in previous_of}
            if corpus is not None and corpus.article_ids == newly:
                link_state.apply_corpus(conn, self._dialect, corpus)
            elif newly:
                link_state.mark_stale(conn)
        return version

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
            link_state.reset(conn)

    # the online clusterer's persistent state (see link_state.py)

    def link_state(self) -> LinkState:
        with self._read() as conn:
            state = link_state.read_state(conn)
        if not state.epoch:  # its row was deleted (tests empty every table): start a new epoch
            with self._write() as conn:
                if state.stale:
                    link_state.mark_stale(conn)
                else:
                    link_state.bump_version(conn)
                state = link_state.read_state(conn)
        return state

    def story_vectors(self, story_ids: Sequence[int]) -> dict[int, StoryVector]:
        with self._read() as conn:
            return link_state.read_vectors(conn, story_ids)

    def story_vectors_since(
        self, version: int, *, batch: int = 20_000
    ) -> Iterator[list[tuple[int, int, np.ndarray | None]]]:
        """(story id, embedded members, float64 embedding sum) of every story changed after
        `version`, in batches, by story id; one consistent snapshot."""
        query = (
            select(story_vectors.c.story_id, story_vectors.c.embedded, story_vectors.c.total)
            .where(story_vectors.c.version > version)
            # `+ 0`: ordering by the bare key lets SQLite's planner walk the whole table in key
            # order instead of using the version index (330 ms a call at 389k stories).
            .order_by(story_vectors.c.story_id + 0)
        )
        with self._read() as conn:
            result = conn.execution_options(yield_per=batch).execute(query)
            for rows in result.partitions():
                yield [(r.story_id, r.embedded, link_state.vector_from(r.total)) for r in rows]

    def member_vectors(self, story_ids: Sequence[int]) -> dict[int, list[MemberVector]]:
        """Each story's analysed members (article id, embedding, analysed publication date),
        oldest first, undated last."""
        out: dict[int, list[MemberVector]] = {s: [] for s in story_ids}
        with self._read() as conn:
            for chunk in _chunks(list(story_ids)):
                query = link_state.members_query(chunk, analyses.c.article_id,
                                                 analyses.c.embedding, analyses.c.published)
                for r in conn.execute(query):
                    out[r.story_id].append(
                        (r.article_id, link_state.embedding_from(r.embedding), r.published))
        return out

    def term_df(self, terms: Sequence[str]) -> dict[str, int]:
        """Stored document frequencies of these terms (absent terms are left out)."""
        with self._read() as conn:
            return link_state.term_df(conn, self._dialect, terms)

    def language_totals(self) -> dict[str, tuple[int, int, np.ndarray | None]]:
        """lang -> (articles, embedded, float64 embedding sum) of the corpus statistics."""
        with self._read() as conn:
            rows = conn.execute(select(link_languages)).all()
        return {r.lang: (r.articles, r.embedded, link_state.vector_from(r.total)) for r in rows}

    def assigned_analyses(self, *, batch: int = 500) -> Iterator[tuple[int, Analysis]]:
        """Every analysed member of a story as (story id, analysis): by story, oldest first."""
        ids_query = select(story_articles.c.story_id).distinct().order_by(story_articles.c.story_id)
        with self._read() as conn:
            story_ids = list(conn.execute(ids_query).scalars())
        for chunk in _chunks(story_ids, batch):
            members = self.member_vectors(chunk)
            found = self.get_analyses([a for s in chunk for a, _, _ in members[s]])
            for story_id in chunk:
                for article_id, _, _ in members[story_id]:
                    yield story_id, found[article_id]

    def replace_corpus_stats(self, corpus: CorpusDelta) -> None:
        """Replace the corpus statistics and recompute every story vector (a rebuild)."""
        with self._write() as conn:
            link_state.replace_corpus(conn, self._dialect, corpus)

    # moving a store

    def copy_to(
        self, target: Store, progress: Callable[[str, int, int], None] | None = None
    ) -> dict[str, int]:
        """Copy everything (articles, analyses, stories, comparisons, the clusterer's state) into
        an empty store, in one transaction on each side: the target ends with all of it or, on
        any failure, with nothing. `progress(table, rows, table_total)` follows each chunk.
        Returns rows copied per table. This is how a SQLite store moves to PostgreSQL."""
        counts: dict[str, int] = {}
        with self._read() as source, target._write() as conn:
            if self._dialect == "postgresql":  # one snapshot for every table, writers or not
                source.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            if conn.execute(select(articles.c.id).limit(1)).first() is not None:
                raise StoreError(f"{target.url} already holds articles: copy into an empty store")
            for table in reversed(metadata.sorted_tables):  # rows a fresh store may have made
                conn.execute(table.delete())
            for table in metadata.sorted_tables:  # parents before children
                rows = source.execution_options(yield_per=COPY_CHUNK).execute(
                    select(table).order_by(*table.primary_key.columns)
                )
                total = source.execute(select(func.count()).select_from(table)).scalar_one()
                counts[table.name] = 0
                for chunk in rows.mappings().partitions():
                    conn.execute(table.insert(), [dict(row) for row in chunk])
                    counts[table.name] += len(chunk)
                    if progress:
                        progress(table.name, len(chunk), total)
        return counts

    # story listings and cached comparisons

    def list_stories(
        self,
        *,
        version: str,
        limit: int = 20,
        offset: int = 0,
        query: str | None = None,
        lang: str | None = None,
        outlet: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: StorySort = "articles",
    ) -> tuple[list[StoryListing], int]:
        """A page of stories and how many match in all.

        A story matches when one of its articles has `lang`, one comes from `outlet`, one
        contains every word of `query` (then the best match comes first), and its dates overlap
        [since, until). `version` is the comparison version whose cached independent-source
        counts are still valid. The counts and dates kept on each story row make this an
        indexed read whatever the number of stories; only `lang`, `outlet` and `query` look at
        articles, through their indexes.
        """
        words = query_words(query or "")
        if query is not None and query.strip() and not words:
            return [], 0
        filters = self._story_filters(lang, outlet, since, until)
        matching = and_(stories.c.article_count > 0, *filters)
        # The total rides along each row (a window count over all matches), so filters and the
        # search run once; only a page past the end needs a separate count.
        page = select(stories.c.id, func.count().over().label("total")).where(matching)
        count = select(func.count()).select_from(stories).where(matching)
        order = []
        hits = self._story_hits(words)
        if hits is not None:
            page = page.join(hits, hits.c.story_id == stories.c.id)
            count = count.join(hits, hits.c.story_id == stories.c.id)
            order.append(hits.c.rank.desc())
        by_size = stories.c.article_count.desc()
        by_last = stories.c.last_published.desc().nulls_last()
        order += [by_size, by_last] if sort == "articles" else [by_last, by_size]
        page = page.order_by(*order, stories.c.id.desc()).limit(limit).offset(offset)
        with self._read() as conn:
            rows = conn.execute(page).all()
            ids = [row.id for row in rows]
            total = rows[0].total if rows else conn.execute(count).scalar_one()
            members = _members(conn, ids)
            # Only for the page: joining every matching story first would cost a lookup each.
            cached = dict(
                conn.execute(
                    select(stories.c.id, story_comparisons.c.independent_sources)
                    .join(story_comparisons, _fresh(version))
                    .where(stories.c.id.in_(ids))
                ).all()
            )
        listings = [
            StoryListing(
                story=_story(i, members[i]),
                published=[m.published for m in members[i] if m.published],
                independent_sources=cached.get(i),
            )
            for i in ids
        ]
        return listings, total

    @staticmethod
    def _story_filters(
        lang: str | None, outlet: str | None, since: datetime | None, until: datetime | None
    ) -> list[Any]:
        conditions: list[Any] = []
        for column, value in ((articles.c.lang, lang), (articles.c.outlet, outlet)):
            if value is not None:
                having = (
                    select(story_articles.c.story_id)
                    .join(articles, articles.c.id == story_articles.c.article_id)
                    .where(column == value)
                )
                conditions.append(stories.c.id.in_(having))
        if since is not None:
            conditions.append(stories.c.last_published >= since)
        if until is not None:
            conditions.append(stories.c.first_published < until)
        return conditions

    def _story_hits(self, words: list[str]) -> Any:
        """(story_id, rank of its best-matching article) for full-text `words`, or None."""
        if not words:
            return None
        if self._dialect == "sqlite":
            statement = _SQLITE_STORY_HITS.bindparams(query=fts5_query(words))
        else:
            statement = _POSTGRES_STORY_HITS.bindparams(query=" ".join(words))
        return statement.columns(story_id=Integer, rank=Float).subquery("hits")

    def save_story_comparison(
        self,
        story_id: int,
        *,
        version: str,
        article_ids: Sequence[str],
        comparison: dict[str, Any],
        independent_sources: int,
    ) -> bool:
        """Cache a story's comparison, computed from `article_ids` by comparison `version`.

        Returns False, storing nothing, when the story's members are no longer exactly those
        articles (one was added or moved meanwhile): the result would be stale at once.
        """
        with self._write() as conn:
            members = set(
                conn.execute(
                    select(story_articles.c.article_id).where(story_articles.c.story_id == story_id)
                ).scalars()
            )
            if not members or members != set(article_ids):
                return False
            story = conn.execute(
                select(stories.c.article_count, stories.c.last_assigned_at).where(
                    stories.c.id == story_id
                )
            ).one()
            row = {
                "story_id": story_id,
                "version": version,
                "member_count": story.article_count,
                "last_assigned_at": story.last_assigned_at,
                "independent_sources": independent_sources,
                "computed_at": datetime.now(UTC),
                "data": json.dumps(comparison, ensure_ascii=False),
            }
            insert = _INSERT[self._dialect](story_comparisons)
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=[story_comparisons.c.story_id],
                    set_={name: insert.excluded[name] for name in row if name != "story_id"},
                ),
                [row],
            )
        return True

    def story_comparison(self, story_id: int, *, version: str) -> dict[str, Any] | None:
        """The cached comparison of a story, if it was computed by `version` from its members
        as they are now."""
        query = (
            select(story_comparisons.c.data)
            .join(stories, _fresh(version))
            .where(stories.c.id == story_id)
        )
        with self._read() as conn:
            data = conn.execute(query).scalar_one_or_none()
        return None if data is None else json.loads(data)

    def stale_story_ids(self, *, version: str, limit: int | None = None) -> list[int]:
        """Non-empty stories without a valid cached comparison, most recently changed first."""
        query = (
            select(stories.c.id)
            .outerjoin(story_comparisons, _fresh(version))
            .where(stories.c.article_count > 0, story_comparisons.c.story_id.is_(None))
            .order_by(stories.c.last_assigned_at.desc(), stories.c.id.desc())
            .limit(limit)
        )
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    def facets(self, *, limit: int = 200) -> dict[str, dict[str, int]]:
        """Article counts per language and per outlet (the `limit` biggest): filter choices."""
        result: dict[str, dict[str, int]] = {}
        with self._read() as conn:
            for name, column in (("languages", articles.c.lang), ("outlets", articles.c.outlet)):
                rows = conn.execute(
                    select(column, func.count())
                    .where(column.is_not(None))
                    .group_by(column)
                    .order_by(func.count().desc(), column)
                    .limit(limit)
                ).all()
                result[name] = {value: n for value, n in rows}
        return result


def _fresh(version: str) -> Any:
    """Join condition: the cached comparison still matches its story (version, members)."""
    return and_(
        story_comparisons.c.story_id == stories.c.id,
        story_comparisons.c.version == version,
        story_comparisons.c.member_count == stories.c.article_count,
        story_comparisons.c.last_assigned_at == stories.c.last_assigned_at,
    )


def _refresh_story_stats(conn: Connection, story_ids: set[int]) -> None:
    """Recount the listing columns of these stories from their current members."""
    member = story_articles.alias("member")
    dated = member.join(articles, articles.c.id == member.c.article_id)
    mine = member.c.story_id == stories.c.id
    values = {
        "article_count": select(func.count()).select_from(member).where(mine),
        "first_published": select(func.min(articles.c.published)).select_from(dated).where(mine),
        "last_published": select(func.max(articles.c.published)).select_from(dated).where(mine),
        "last_assigned_at": select(func.max(member.c.assigned_at)).where(mine),
    }
    for chunk in _chunks(sorted(story_ids)):
        conn.execute(
            stories.update()
            .where(stories.c.id.in_(chunk))
            .values({name: q.scalar_subquery() for name, q in values.items()})
        )


# Stories whose articles contain every query word, ranked by their best article (same escaping
# and ranking as `search`: words are quoted FTS5 strings or go through plainto_tsquery). FTS5's
# `rank` column, not a bm25() call: SQLite flattens the subquery into the join, where auxiliary
# functions are refused.
_SQLITE_STORY_HITS = text(
    """
    SELECT sa.story_id AS story_id, max(hit.rank) AS rank
    FROM (
        SELECT a.id AS id, -articles_fts.rank AS rank
        FROM articles_fts JOIN articles a ON a.seq = articles_fts.rowid
        WHERE articles_fts MATCH :query AND articles_fts.rank MATCH 'bm25(2.0, 1.0)'
    ) AS hit
    JOIN story_articles sa ON sa.article_id = hit.id
    GROUP BY sa.story_id
    """
)
_POSTGRES_STORY_HITS = text(
    """
    SELECT sa.story_id AS story_id, max(ts_rank_cd(a.search, q.query, 32)) AS rank
    FROM articles a
    JOIN story_articles sa ON sa.article_id = a.id
    CROSS JOIN plainto_tsquery('simple', :query) AS q(query)
    WHERE a.search @@ q.query
    GROUP BY sa.story_id
    """
)


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


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


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
