"""One standing sign-off per dimension and per person: voided rows no longer hold the slot.

A sign-off whose signer was disabled or lost the role no longer counts; another reviewer replaces
it on the same revision, which voids the old row. The unique rules therefore cover standing rows
only (partial unique indexes, WHERE voided_at IS NULL, on SQLite and PostgreSQL).

Revision ID: 0008_standing_sign_offs
Revises: 0007_proficiency_ratings
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_standing_sign_offs"
down_revision = "0007_proficiency_ratings"
branch_labels = None
depends_on = None

_RULES = {"uq_sign_offs_one_per_dimension": "dimension", "uq_sign_offs_one_per_user": "user_id"}
_STANDING = sa.text("voided_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("sign_offs") as batch:
        for name in _RULES:
            batch.drop_constraint(name, type_="unique")
    for name, column in _RULES.items():
        op.create_index(name, "sign_offs", ["draft_id", "revision", column], unique=True,
                        sqlite_where=_STANDING, postgresql_where=_STANDING)


def downgrade() -> None:
    for name in _RULES:
        op.drop_index(name, table_name="sign_offs")
    with op.batch_alter_table("sign_offs") as batch:
        for name, column in _RULES.items():
            batch.create_unique_constraint(name, ["draft_id", "revision", column])
