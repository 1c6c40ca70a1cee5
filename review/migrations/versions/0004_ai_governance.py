"""AI governance: endpoints, routes, teams, budgets, running generations, the AI-use policy; who asked in the generation log.

Revision ID: 0004_ai_governance
Revises: 0003_content_hash_covers_title
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from review.tables import UTCDateTime

revision = "0004_ai_governance"
down_revision = "0003_content_hash_covers_title"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "governance_endpoints",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("base_url", sa.Text, nullable=True),
        sa.Column("model", sa.String(300), nullable=True),
        sa.Column("key_ref", sa.String(200), nullable=True),
        sa.Column("max_classification", sa.String(50), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_governance_endpoints"),
    )
    op.create_table(
        "governance_routes",
        sa.Column("use", sa.String(40), nullable=False),
        sa.Column("endpoint", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("use", name="pk_governance_routes"),
    )
    op.create_table(
        "governance_team_members",
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("user_name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("team", "user_name", name="pk_governance_team_members"),
    )
    op.create_index("ix_governance_team_members_user_name", "governance_team_members", ["user_name"])
    op.create_table(
        "governance_budgets",
        sa.Column("subject_kind", sa.String(10), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("tokens_per_day", sa.Integer, nullable=True),
        sa.Column("tokens_per_month", sa.Integer, nullable=True),
        sa.Column("concurrent", sa.Integer, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("subject_kind", "subject", name="pk_governance_budgets"),
    )
    op.create_table(
        "governance_active_generations",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_governance_active_generations"),
    )
    op.create_table(
        "governance_policies",
        sa.Column("version", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_governance_policies"),
    )
    op.create_table(
        "governance_policy_acceptances",
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("accepted_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("user_name", "version", name="pk_governance_policy_acceptances"),
    )
    with op.batch_alter_table("generation_log") as batch:
        batch.add_column(sa.Column("actor", sa.String(200), nullable=True))
        batch.add_column(sa.Column("use", sa.String(40), nullable=True))
        batch.add_column(sa.Column("endpoint", sa.String(100), nullable=True))
    op.create_index("ix_generation_log_actor", "generation_log", ["actor", "at"])


def downgrade() -> None:
    op.drop_index("ix_generation_log_actor", table_name="generation_log")
    with op.batch_alter_table("generation_log") as batch:
        batch.drop_column("endpoint")
        batch.drop_column("use")
        batch.drop_column("actor")
    for table in ("governance_policy_acceptances", "governance_policies", "governance_active_generations",
                  "governance_budgets", "governance_team_members", "governance_routes", "governance_endpoints"):
        op.drop_table(table)
