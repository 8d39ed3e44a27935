"""The online clusterer's persistent state, maintained inside the store's own transactions.

`story_vectors` holds, per story, the running sum of its members' embeddings and their date
range; `link_terms` and `link_languages` hold the corpus statistics (document frequencies and
per-language embedding sums) over every assigned, analysed article; `link_state` one row with a
version (bumped on every change of `story_vectors`), an epoch (changed when everything is
rebuilt or cleared) and a `stale` flag. Everything here runs on a connection handed over by a
`Store` method, inside its transaction: the state changes with the memberships or not at all.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Select, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from parallax.store.schema import (
    analyses,
    articles,
    link_languages,
    link_state,
    link_terms,
    story_articles,
    story_vectors,
)

_F64 = np.dtype("<f8")
_F32 = np.dtype("<f4")
_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
_CHUNK = 500
_PG_TERMS_CHUNK = 20_000


@dataclass
class LinkState:
    epoch: str
    version: int
    members: int
    stale: bool


@dataclass
class StoryVector:
    """A story as the clusterer sees it before reading any member."""

    story_id: int
    members: int  # members with an analysis
    embedded: int  # of which with an embedding
    total: np.ndarray | None  # float64 sum of their embeddings
    first: datetime | None  # earliest Analysis.published of a member
    last: datetime | None


@dataclass
class CorpusDelta:
    """What one assignment adds to the corpus statistics: the newly assigned analysed articles,
    the document frequency of each of their terms, and per language (articles, embedded, sum)."""

    article_ids: set[str] = field(default_factory=set)
    terms: Mapping[str, int] = field(default_factory=dict)
    languages: Mapping[str, tuple[int, int, np.ndarray | None]] = field(default_factory=dict)


def vector_bytes(vector: np.ndarray | None) -> bytes | None:
    return None if vector is None else np.asarray(vector, dtype=_F64).tobytes()


def vector_from(data: bytes | None) -> np.ndarray | None:
    return None if data is None else np.frombuffer(data, _F64).copy()


def embedding_from(data: bytes | None) -> np.ndarray | None:
    return None if data is None else np.frombuffer(data, _F32).copy()


def read_state(conn: Connection) -> LinkState:
    row = conn.execute(select(link_state).where(link_state.c.id == 1)).one_or_none()
    if row is None:  # rows deleted by hand: nothing can be trusted unless nothing is assigned
        return LinkState("", 0, 0, _has_members(conn))
    return LinkState(row.epoch, row.version, row.members, bool(row.stale))


def _has_members(conn: Connection) -> bool:
    return conn.execute(select(story_articles.c.article_id).limit(1)).first() is not None


def ensure(conn: Connection) -> LinkState:
    """The state, its row created if missing (writers are serialised: no race)."""
    row = conn.execute(select(link_state).where(link_state.c.id == 1)).one_or_none()
    if row is not None:
        return LinkState(row.epoch, row.version, row.members, bool(row.stale))
    state = LinkState(secrets.token_hex(8), 0, 0, _has_members(conn))
    conn.execute(link_state.insert().values(id=1, epoch=state.epoch, version=0, members=0,
                                            stale=int(state.stale)))
    return state


def bump_version(conn: Connection) -> int:
    ensure(conn)
    return conn.execute(
        update(link_state)
        .where(link_state.c.id == 1)
        .values(version=link_state.c.version + 1)
        .returning(link_state.c.version)
    ).scalar_one()


def mark_stale(conn: Connection) -> None:
    ensure(conn)
    conn.execute(update(link_state).where(link_state.c.id == 1).values(stale=1))


def reset(conn: Connection) -> None:
    """Forget every story's state and the corpus statistics (a new epoch)."""
    conn.execute(story_vectors.delete())
    _new_epoch(conn, version=0)


def _new_epoch(conn: Connection, **values: int) -> None:
    """Empty the corpus statistics and start a new epoch (saved indexes of the old one are
    ignored from now on)."""
    conn.execute(link_terms.delete())
    conn.execute(link_languages.delete())
    ensure(conn)
    conn.execute(
        update(link_state)
        .where(link_state.c.id == 1)
        .values(epoch=secrets.token_hex(8), members=0, stale=0, **values)
    )


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _upsert_vectors(conn: Connection, dialect: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    insert = _INSERT[dialect](story_vectors)
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=[story_vectors.c.story_id],
            set_={name: insert.excluded[name] for name in rows[0] if name != "story_id"},
        ),
        rows,
    )


def _vector_row(
    story_id: int,
    members: Iterable[tuple[bytes | None, datetime | None]],
    version: int,
    start: StoryVector | None = None,
) -> dict[str, Any]:
    """Fold members (embedding bytes, published) into a story's state, in order."""
    count = start.members if start else 0
    embedded = start.embedded if start else 0
    total = start.total if start else None
    first = start.first if start else None
    last = start.last if start else None
    for embedding, published in members:
        count += 1
        if embedding is not None:
            embedded += 1
            vector = np.frombuffer(embedding, _F32).astype(np.float64)
            total = vector if total is None else total + vector
        if published is not None:
            first = min(first or published, published)
            last = max(last or published, published)
    return {"story_id": story_id, "members": count, "embedded": embedded,
            "total": vector_bytes(total), "first_published": first, "last_published": last,
            "version": version}


def update_story_vectors(
    conn: Connection,
    dialect: str,
    target: Mapping[str, int],
    previous: Mapping[str, int],
    version: int,
) -> set[str]:
    """Bring story_vectors up to date after `target` memberships were written (`previous` held
    the memberships before). Returns the articles among `target` that have an analysis.

    A story that only gained members is updated from its stored row; one that lost a member is
    recomputed from all its members (moves are rare)."""
    gained = [a for a, s in target.items() if previous.get(a) != s]
    lost = {previous[a] for a in gained if a in previous}
    found: dict[str, tuple[bytes | None, datetime | None]] = {}
    for chunk in _chunks(gained):
        query = select(analyses.c.article_id, analyses.c.embedding, analyses.c.published).where(
            analyses.c.article_id.in_(chunk)
        )
        found.update((r.article_id, (r.embedding, r.published)) for r in conn.execute(query))
    additions: dict[int, list[tuple[bytes | None, datetime | None]]] = {}
    for article_id in gained:  # in assignment order: the same sums as the clusterer's
        story_id = target[article_id]
        if article_id in found and story_id not in lost:
            additions.setdefault(story_id, []).append(found[article_id])
    stored = read_vectors(conn, sorted(additions))
    _upsert_vectors(
        conn,
        dialect,
        [_vector_row(s, members, version, stored.get(s)) for s, members in additions.items()],
    )
    recompute_vectors(conn, dialect, sorted(lost), version)
    return set(found)


def members_query(story_ids: Sequence[int], *columns: Any) -> Select:
    """The analysed members of these stories (story id first, then `columns`), oldest first,
    undated last: the order members joined their stories in."""
    return (
        select(story_articles.c.story_id, *columns)
        .join(analyses, analyses.c.article_id == story_articles.c.article_id)
        .join(articles, articles.c.id == story_articles.c.article_id)
        .where(story_articles.c.story_id.in_(story_ids))
        .order_by(articles.c.published.asc().nulls_last(), articles.c.seq)
    )


def recompute_vectors(
    conn: Connection, dialect: str, story_ids: Sequence[int], version: int
) -> None:
    """Recompute these stories' rows from their current members (oldest first)."""
    for chunk in _chunks(list(story_ids)):
        members: dict[int, list[tuple[bytes | None, datetime | None]]] = {s: [] for s in chunk}
        query = members_query(chunk, analyses.c.embedding, analyses.c.published)
        for row in conn.execute(query):
            members[row.story_id].append((row.embedding, row.published))
        _upsert_vectors(conn, dialect, [_vector_row(s, m, version) for s, m in members.items()])


def read_vectors(conn: Connection, story_ids: Sequence[int]) -> dict[int, StoryVector]:
    out: dict[int, StoryVector] = {}
    for chunk in _chunks(list(story_ids)):
        for r in conn.execute(select(story_vectors).where(story_vectors.c.story_id.in_(chunk))):
            out[r.story_id] = StoryVector(r.story_id, r.members, r.embedded, vector_from(r.total),
                                          r.first_published, r.last_published)
    return out


def apply_corpus(conn: Connection, dialect: str, delta: CorpusDelta) -> None:
    """Add one assignment's corpus statistics (document frequencies, language sums)."""
    terms = sorted(delta.terms.items())
    if dialect == "postgresql":
        statement = text(
            "INSERT INTO link_terms (term, df) "
            "SELECT * FROM unnest(CAST(:terms AS text[]), CAST(:dfs AS bigint[])) "
            "ON CONFLICT (term) DO UPDATE SET df = link_terms.df + excluded.df"
        )
        for chunk in _chunks(terms, _PG_TERMS_CHUNK):
            conn.execute(statement, {"terms": [t for t, _ in chunk], "dfs": [d for _, d in chunk]})
    elif terms:
        conn.exec_driver_sql(
            "INSERT INTO link_terms (term, df) VALUES (?, ?) "
            "ON CONFLICT (term) DO UPDATE SET df = df + excluded.df",
            terms,
        )
    stored = {r.lang: r for r in conn.execute(
        select(link_languages).where(link_languages.c.lang.in_(list(delta.languages))))}
    rows = []
    for lang, (count, embedded, total) in delta.languages.items():
        old = stored.get(lang)
        if old is not None:
            count += old.articles
            embedded += old.embedded
            before = vector_from(old.total)
            total = before if total is None else total if before is None else before + total
        rows.append({"lang": lang, "articles": count, "embedded": embedded,
                     "total": vector_bytes(total)})
    if rows:
        insert = _INSERT[dialect](link_languages)
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=[link_languages.c.lang],
                set_={name: insert.excluded[name] for name in ("articles", "embedded", "total")},
            ),
            rows,
        )
    conn.execute(
        update(link_state)
        .where(link_state.c.id == 1)
        .values(members=link_state.c.members + len(delta.article_ids))
    )


def replace_corpus(conn: Connection, dialect: str, delta: CorpusDelta) -> None:
    """Replace the corpus statistics by `delta` (a full rebuild) and start a new epoch."""
    _new_epoch(conn)
    apply_corpus(conn, dialect, delta)
    story_ids = list(conn.execute(select(func.distinct(story_articles.c.story_id))).scalars())
    conn.execute(story_vectors.delete())
    recompute_vectors(conn, dialect, sorted(story_ids), bump_version(conn))


def term_df(conn: Connection, dialect: str, terms: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    if dialect == "postgresql":
        statement = text("SELECT term, df FROM link_terms WHERE term = ANY(CAST(:terms AS text[]))")
        for chunk in _chunks(list(terms), _PG_TERMS_CHUNK):
            found.update(conn.execute(statement, {"terms": list(chunk)}).all())
        return found
    for chunk in _chunks(list(terms)):
        marks = ",".join("?" * len(chunk))
        found.update(conn.exec_driver_sql(
            f"SELECT term, df FROM link_terms WHERE term IN ({marks})", tuple(chunk)).all())
    return found
