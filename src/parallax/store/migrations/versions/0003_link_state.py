"""Persistent story-clustering state: story vectors, term document frequencies, language sums.

Assigning an article used to reload every stored analysis to rebuild the online clusterer; the
clusterer's state now lives in these tables, kept current by `Store.assign` in the same
transaction as the memberships. `analyses.published` copies `Analysis.published` out of the JSON
so story date ranges can be maintained without parsing it.

A store that already has stories is marked `stale`: its state is rebuilt from the memberships
the first time stories are assigned (`parallax.link.state`), outside this migration.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

import json
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _published(data: str) -> datetime | None:
    value = json.loads(data).get("published")
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return parsed if op.get_bind().dialect.name == "postgresql" else parsed.replace(tzinfo=None)


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("analyses", sa.Column("published", sa.DateTime(timezone=True)))
    rows = bind.execute(sa.text("SELECT article_id, data FROM analyses")).all()
    update = sa.text("UPDATE analyses SET published = :published WHERE article_id = :id")
    for start in range(0, len(rows), 1000):
        chunk = [{"id": r[0], "published": _published(r[1])} for r in rows[start : start + 1000]]
        bind.execute(update, chunk)

    op.create_table(
        "story_vectors",
        sa.Column("story_id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("members", sa.Integer, nullable=False),
        sa.Column("embedded", sa.Integer, nullable=False),
        sa.Column("total", sa.LargeBinary),
        sa.Column("first_published", sa.DateTime(timezone=True)),
        sa.Column("last_published", sa.DateTime(timezone=True)),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("story_id", name="pk_story_vectors"),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name="fk_story_vectors_story_id", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_story_vectors_version", "story_vectors", ["version"])
    op.create_table(
        "link_terms",
        sa.Column("term", sa.Text, nullable=False),
        sa.Column("df", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("term", name="pk_link_terms"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "link_languages",
        sa.Column("lang", sa.Text, nullable=False),
        sa.Column("articles", sa.BigInteger, nullable=False),
        sa.Column("embedded", sa.BigInteger, nullable=False),
        sa.Column("total", sa.LargeBinary),
        sa.PrimaryKeyConstraint("lang", name="pk_link_languages"),
    )
    op.create_table(
        "link_state",
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("epoch", sa.Text, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("members", sa.BigInteger, nullable=False),
        sa.Column("stale", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_link_state"),
    )
    has_stories = bind.execute(sa.text("SELECT count(*) FROM story_articles")).scalar_one() > 0
    bind.execute(
        sa.text(
            "INSERT INTO link_state (id, epoch, version, members, stale) "
            "VALUES (1, :epoch, 0, 0, :stale)"
        ),
        {"epoch": secrets.token_hex(8), "stale": int(has_stories)},
    )


def downgrade() -> None:
    for table in ("link_state", "link_languages", "link_terms", "story_vectors"):
        op.drop_table(table)
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("published")
