"""Articles, analyses, stories and full-text search.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SQLITE_FTS = [
    # External content: the text lives once, in `articles`; the index follows it via triggers.
    """CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='seq',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.seq, new.title, new.text);
    END""",
    """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.seq, old.title, old.text);
    END""",
    """CREATE TRIGGER articles_fts_update AFTER UPDATE OF seq, title, text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.seq, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.seq, new.title, new.text);
    END""",
]

_POSTGRES_FTS = [
    # 'simple': no stemming or stop words, so every language is indexed the same way.
    """ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('simple'::regconfig, text), 'B')) STORED""",
    "CREATE INDEX ix_articles_search ON articles USING gin (search)",
]


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.Text),
        sa.Column("outlet", sa.Text),
        sa.Column("published", sa.DateTime(timezone=True)),
        sa.Column("author", sa.Text),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("source_format", sa.Text, nullable=False),
        _timestamp("ingested_at"),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("seq", name="uq_articles_seq"),
        sa.UniqueConstraint("url", name="uq_articles_url"),
        sa.UniqueConstraint("content_hash", name="uq_articles_content_hash"),
    )
    for column in ("published", "outlet", "lang"):
        op.create_index(f"ix_articles_{column}", "articles", [column])

    op.create_table(
        "analyses",
        sa.Column("article_id", sa.Text, nullable=False),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("embedding", sa.LargeBinary),
        sa.PrimaryKeyConstraint("article_id", name="pk_analyses"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_analyses_article_id", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_analyses_version", "analyses", ["version"])

    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_stories"),
    )

    op.create_table(
        "story_articles",
        sa.Column("article_id", sa.Text, nullable=False),
        sa.Column("story_id", sa.Integer, nullable=False),
        _timestamp("assigned_at"),
        sa.PrimaryKeyConstraint("article_id", name="pk_story_articles"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_story_articles_article_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name="fk_story_articles_story_id", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_story_articles_story_id", "story_articles", ["story_id"])

    statements = {"sqlite": _SQLITE_FTS, "postgresql": _POSTGRES_FTS}
    for statement in statements[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE articles_fts")  # its triggers go with `articles`
    for table in ("story_articles", "stories", "analyses", "articles"):
        op.drop_table(table)
