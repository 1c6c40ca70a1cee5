"""Waivers of error findings: a reviewer of the finding's dimension lets one revision past it, with a reason.

Revision ID: 0009_finding_waivers
Revises: 0008_standing_sign_offs
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from review.tables import UTCDateTime

revision = "0009_finding_waivers"
down_revision = "0008_standing_sign_offs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finding_waivers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("draft_id", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("finding_key", sa.String(64), nullable=False),
        sa.Column("check", sa.String(100), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("dimension", sa.String(20), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("waived_at", UTCDateTime, nullable=False),
        sa.Column("voided_at", UTCDateTime, nullable=True),
        sa.Column("voided_by_revision", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_finding_waivers"),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"], name="fk_finding_waivers_draft_id_drafts"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_finding_waivers_user_id_users"),
        sa.UniqueConstraint("draft_id", "revision", "finding_key", name="uq_finding_waivers_one_per_finding"),
    )


def downgrade() -> None:
    op.drop_table("finding_waivers")
