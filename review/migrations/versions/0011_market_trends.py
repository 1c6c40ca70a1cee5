"""Signals: market-trend counts per skill and period (e.g. job postings a month).

Revision ID: 0011_market_trends
Revises: 0010_replica_shared_state
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_market_trends"
down_revision = "0010_replica_shared_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "market_trend_counts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("import_id", sa.Integer, nullable=False),
        sa.Column("record_key", sa.String(100), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("skill_id", sa.String(200), nullable=False),
        sa.Column("match", sa.String(20), nullable=False),
        sa.Column("confidence", sa.Float, nullable=True),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_market_trend_counts"),
        sa.ForeignKeyConstraint(["import_id"], ["signal_imports.id"], name="fk_market_trend_counts_import_id_signal_imports"),
        sa.UniqueConstraint("record_key", name="uq_market_trend_counts_record_key"),
    )
    op.create_index("ix_market_trend_counts_skill_period", "market_trend_counts", ["skill_id", "period"])


def downgrade() -> None:
    op.drop_index("ix_market_trend_counts_skill_period", table_name="market_trend_counts")
    op.drop_table("market_trend_counts")
