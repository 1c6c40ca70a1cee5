"""Signals: proficiency ratings from performance reviews.

Revision ID: 0007_proficiency_ratings
Revises: 0006_generation_slots_as_locks
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_proficiency_ratings"
down_revision = "0006_generation_slots_as_locks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proficiency_ratings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("import_id", sa.Integer, nullable=False),
        sa.Column("record_key", sa.String(100), nullable=False),
        sa.Column("person", sa.String(64), nullable=True),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("skill_id", sa.String(200), nullable=False),
        sa.Column("rating", sa.Float, nullable=False),
        sa.Column("target", sa.Float, nullable=True),
        sa.Column("period", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_proficiency_ratings"),
        sa.ForeignKeyConstraint(["import_id"], ["signal_imports.id"], name="fk_proficiency_ratings_import_id_signal_imports"),
        sa.UniqueConstraint("record_key", name="uq_proficiency_ratings_record_key"),
    )
    op.create_index("ix_proficiency_ratings_skill_period", "proficiency_ratings", ["skill_id", "period"])


def downgrade() -> None:
    op.drop_index("ix_proficiency_ratings_skill_period", table_name="proficiency_ratings")
    op.drop_table("proficiency_ratings")
