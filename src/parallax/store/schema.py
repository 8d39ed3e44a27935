"""Table definitions the store queries through; the migrations create the same tables.

`tests/test_store_schema.py` compares this metadata with a freshly migrated database, so the
two cannot drift apart silently.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    TypeDecorator,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on both backends.

    SQLite has no timezone type, so values are stored as naive UTC text (which also sorts
    chronologically); naive inputs are taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Deterministic constraint names, so later migrations can refer to them on both backends.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

articles = Table(
    "articles",
    metadata,
    Column("id", Text, primary_key=True),
    # Ingest order: the tie-breaker after `published`, and the FTS5 rowid (SQLite may renumber
    # the implicit rowid of a table whose key is not an integer, on VACUUM).
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("url", Text, unique=True),
    Column("content_hash", Text, nullable=False, unique=True),
    Column("title", Text),
    Column("text", Text, nullable=False),
    Column("lang", Text, index=True),
    Column("outlet", Text, index=True),
    Column("published", UTCDateTime, index=True),
    Column("author", Text),
    Column("source", Text, nullable=False),
    Column("source_format", Text, nullable=False),
    Column("ingested_at", UTCDateTime, nullable=False),
)

analyses = Table(
    "analyses",
    metadata,
    Column("article_id", Text, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Text, nullable=False, index=True),
    Column("data", Text, nullable=False),
    Column("embedding", LargeBinary),
    Column("published", UTCDateTime),  # Analysis.published (the article's, or found in the text)
)

stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Kept current by `Store.assign` for listings: size, date range, and the newest assignment
    # (with the size, what a cached comparison must match to be still valid).
    Column("article_count", Integer, nullable=False, server_default="0", index=True),
    Column("first_published", UTCDateTime),
    Column("last_published", UTCDateTime, index=True),
    Column("last_assigned_at", UTCDateTime),
)

story_articles = Table(
    "story_articles",
    metadata,
    Column("article_id", Text, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "story_id",
        Integer,
        ForeignKey("stories.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("assigned_at", UTCDateTime, nullable=False),
)

# The comparison last computed for a story, with what it was computed from: the comparison code
# version and the membership (size, newest assignment). A row that no longer matches its story
# is stale and ignored by readers until it is recomputed. `data` comes last: scans that only
# check freshness then stop reading each row before the large JSON.
story_comparisons = Table(
    "story_comparisons",
    metadata,
    Column(
        "story_id",
        Integer,
        ForeignKey("stories.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("version", Text, nullable=False),
    Column("member_count", Integer, nullable=False),
    Column("last_assigned_at", UTCDateTime, nullable=False),
    Column("independent_sources", Integer, nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
    Column("data", Text, nullable=False),
)

# Persistent state of the online story clustering (revision 0003), so that assigning an article
# touches only the stories it may join instead of reloading every stored analysis.

# Per story: the sum of its members' embeddings (little-endian float64 bytes, exact running
# sums) and the date range of its members' analyses. `version` is the `link_state.version` of
# the last change: an in-process centroid index loaded earlier catches up from it.
story_vectors = Table(
    "story_vectors",
    metadata,
    Column(
        "story_id",
        Integer,
        ForeignKey("stories.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("members", Integer, nullable=False),  # members with an analysis
    Column("embedded", Integer, nullable=False),  # of which with an embedding
    Column("total", LargeBinary),
    Column("first_published", UTCDateTime),
    Column("last_published", UTCDateTime),
    Column("version", BigInteger, nullable=False, index=True),
)

# Document frequency of every term the pair features weigh (`CorpusStats.df`), over every
# assigned, analysed article.
link_terms = Table(
    "link_terms",
    metadata,
    Column("term", Text, primary_key=True),
    Column("df", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

# Per language: assigned analysed articles, those with an embedding, and the float64 sum of
# their embeddings (`CorpusStats`' language means).
link_languages = Table(
    "link_languages",
    metadata,
    Column("lang", Text, primary_key=True),
    Column("articles", BigInteger, nullable=False),
    Column("embedded", BigInteger, nullable=False),
    Column("total", LargeBinary),
)

# One row (id 1): `epoch` changes whenever the state is rebuilt or cleared (a persisted index of
# another epoch is thrown away), `version` on every change of story_vectors, `members` counts the
# articles in the corpus statistics, `stale` says they must be rebuilt from the memberships.
link_state = Table(
    "link_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("epoch", Text, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("members", BigInteger, nullable=False),
    Column("stale", Integer, nullable=False),
)
