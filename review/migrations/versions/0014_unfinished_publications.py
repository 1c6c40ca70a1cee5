"""The recovery pass before each publish finds unfinished publications with one indexed query.

Revision ID: 0014_unfinished_publications
Revises: 0013_publish_attempts
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_unfinished_publications"
down_revision = "0013_publish_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_publications_unfinished", "publications", ["draft_id"],
                    sqlite_where=sa.text('"indexed" = 0'), postgresql_where=sa.text("indexed = false"))


def downgrade() -> None:
    op.drop_index("ix_publications_unfinished", table_name="publications")
