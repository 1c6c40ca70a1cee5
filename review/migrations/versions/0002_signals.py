"""Signals: imports of learners' results and the results they brought in.

Revision ID: 0002_signals
Revises: 0001_review_queue
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from review.db import UTCDateTime

revision = "0002_signals"
down_revision = "0001_review_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signal_imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("imported_at", UTCDateTime, nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        sa.Column("cursor", sa.String(64), nullable=True),
        sa.Column("read_count", sa.Integer, nullable=False),
        sa.Column("kept_count", sa.Integer, nullable=False),
        sa.Column("duplicate_count", sa.Integer, nullable=False),
        sa.Column("ignored_count", sa.Integer, nullable=False),
        sa.Column("rejected_count", sa.Integer, nullable=False),
        sa.Column("report", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_signal_imports"),
        sa.UniqueConstraint("sha256", name="uq_signal_imports_sha256"),
    )
    op.create_index("ix_signal_imports_source", "signal_imports", ["source"])
    op.create_table(
        "learner_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("import_id", sa.Integer, nullable=False),
        sa.Column("record_key", sa.String(100), nullable=False),
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("module_id", sa.String(200), nullable=False),
        sa.Column("item_id", sa.String(200), nullable=True),
        sa.Column("objective_id", sa.String(200), nullable=False),
        sa.Column("skill_ids", sa.Text, nullable=False),
        sa.Column("verb", sa.String(40), nullable=False),
        sa.Column("success", sa.Boolean, nullable=True),
        sa.Column("score_scaled", sa.Float, nullable=True),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("occurred_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_learner_results"),
        sa.ForeignKeyConstraint(["import_id"], ["signal_imports.id"], name="fk_learner_results_import_id_signal_imports"),
        sa.UniqueConstraint("record_key", name="uq_learner_results_record_key"),
    )
    op.create_index("ix_learner_results_module_item", "learner_results", ["module_id", "item_id"])


def downgrade() -> None:
    op.drop_index("ix_learner_results_module_item", table_name="learner_results")
    op.drop_table("learner_results")
    op.drop_index("ix_signal_imports_source", table_name="signal_imports")
    op.drop_table("signal_imports")
