"""Freshness: the library passages each published module cites, with their text and its sha256.

Revision ID: 0012_cited_passages
Revises: 0011_market_trends
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from review.tables import UTCDateTime

revision = "0012_cited_passages"
down_revision = "0011_market_trends"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cited_passages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("draft_id", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("chunk_id", sa.String(64), nullable=False),
        sa.Column("module_id", sa.String(200), nullable=False),
        sa.Column("heading_path", sa.Text, nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cited_passages"),
    )
    op.create_index("ix_cited_passages_draft_id", "cited_passages", ["draft_id"])


def downgrade() -> None:
    op.drop_index("ix_cited_passages_draft_id", table_name="cited_passages")
    op.drop_table("cited_passages")
