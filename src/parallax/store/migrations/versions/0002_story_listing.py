"""Story listing at scale: per-story counts kept on `stories`, and a cached comparison per story.

Listing stories by size or recency used to aggregate every membership per request; the counts
and dates now live on the story row, kept current by `Store.assign` in the same transaction.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_STATS = ("article_count", "first_published", "last_published", "last_assigned_at")
_BACKFILL = """
UPDATE stories SET
    article_count = (SELECT count(*) FROM story_articles sa WHERE sa.story_id = stories.id),
    first_published = (SELECT min(a.published) FROM story_articles sa
                       JOIN articles a ON a.id = sa.article_id WHERE sa.story_id = stories.id),
    last_published = (SELECT max(a.published) FROM story_articles sa
                      JOIN articles a ON a.id = sa.article_id WHERE sa.story_id = stories.id),
    last_assigned_at = (SELECT max(sa.assigned_at) FROM story_articles sa
                        WHERE sa.story_id = stories.id)
"""


def upgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("article_count", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("first_published", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("last_published", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("last_assigned_at", sa.DateTime(timezone=True)))
    op.execute(_BACKFILL)
    op.create_index("ix_stories_article_count", "stories", ["article_count"])
    op.create_index("ix_stories_last_published", "stories", ["last_published"])

    op.create_table(
        "story_comparisons",
        sa.Column("story_id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("member_count", sa.Integer, nullable=False),
        sa.Column("last_assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("independent_sources", sa.Integer, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("story_id", name="pk_story_comparisons"),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name="fk_story_comparisons_story_id", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("story_comparisons")
    op.drop_index("ix_stories_last_published", "stories")
    op.drop_index("ix_stories_article_count", "stories")
    with op.batch_alter_table("stories") as batch:
        for column in _STATS:
            batch.drop_column(column)
