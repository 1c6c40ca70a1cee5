"""Publishing into a git library survives a crash after the push: the publication's commit, and attempts in flight.

Revision ID: 0013_publish_attempts
Revises: 0012_cited_passages
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from review.tables import UTCDateTime

revision = "0013_publish_attempts"
down_revision = "0012_cited_passages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("publications") as batch:
        batch.add_column(sa.Column("git_commit", sa.String(64), nullable=True))
    op.create_table(
        "publish_attempts",
        sa.Column("draft_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("draft_id", name="pk_publish_attempts"),
    )


def downgrade() -> None:
    op.drop_table("publish_attempts")
    with op.batch_alter_table("publications") as batch:
        batch.drop_column("git_commit")
