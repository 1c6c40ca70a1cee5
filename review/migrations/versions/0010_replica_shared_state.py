"""Coverage history and failed generations move from each replica's data dir into the database.

Revision ID: 0010_replica_shared_state
Revises: 0009_finding_waivers
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from review.tables import UTCDateTime

revision = "0010_replica_shared_state"
down_revision = "0009_finding_waivers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The data dir's files (coverage_history.jsonl, failed_generations/) are imported on first use:
    # a migration does not know which data dir a replica runs with.
    op.create_table(
        "coverage_history",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("framework", sa.String(300), nullable=False),
        sa.Column("skills", sa.Integer, nullable=False),
        sa.Column("covered", sa.Integer, nullable=False),
        sa.Column("partial", sa.Integer, nullable=False),
        sa.Column("stale", sa.Integer, nullable=False),
        sa.Column("gap", sa.Integer, nullable=False),
        sa.Column("mean_coverage", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coverage_history"),
    )
    op.create_index("ix_coverage_history_framework", "coverage_history", ["framework", "id"])
    op.create_table(
        "failed_generations",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("raw_output", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_failed_generations"),
    )


def downgrade() -> None:
    op.drop_table("failed_generations")
    op.drop_index("ix_coverage_history_framework", table_name="coverage_history")
    op.drop_table("coverage_history")
