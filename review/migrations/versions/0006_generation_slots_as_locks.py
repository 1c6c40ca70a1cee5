"""Concurrent generations are counted with lock files, not rows: the table of running generations goes.

Revision ID: 0006_generation_slots_as_locks
Revises: 0005_sign_in_sessions
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from review.tables import UTCDateTime

revision = "0006_generation_slots_as_locks"
down_revision = "0005_sign_in_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Writing and deleting a row around every generation cost two synchronous commits per call.
    op.drop_table("governance_active_generations")


def downgrade() -> None:
    op.create_table(
        "governance_active_generations",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_governance_active_generations"),
    )
