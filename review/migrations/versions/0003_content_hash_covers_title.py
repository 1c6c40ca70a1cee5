"""Content hashes cover the title: re-hash every revision, its sign-offs and its publication.

A revision's hash used to cover its content and markdown only; it now covers its title too
(review/content.py). A stored hash that still matches the old formula is replaced by the new
one, and every sign-off and publication that carried it follows; a hash that no longer matches
its own revision (content changed outside the workbench) is left as it is, so that revision
still cannot be published. The audit log keeps the hashes it recorded (its chain covers them).

Revision ID: 0003_content_hash_covers_title
Revises: 0002_signals
Create Date: 2026-12-01
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0003_content_hash_covers_title"
down_revision = "0002_signals"
branch_labels = None
depends_on = None


def _digest(value: dict) -> str:
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# Both formulas are written out here: a migration must not change when the code does.
def _without_title(title: str, content: dict, markdown: str) -> str:
    return _digest({"content": content, "markdown": markdown})


def _with_title(title: str, content: dict, markdown: str) -> str:
    return _digest({"title": title, "content": content, "markdown": markdown})


def _rehash(old_formula, new_formula) -> None:
    connection = op.get_bind()
    revisions = sa.table("revisions", sa.column("id"), sa.column("draft_id"), sa.column("number"), sa.column("title"),
                         sa.column("content"), sa.column("markdown"), sa.column("content_hash"))
    sign_offs = sa.table("sign_offs", sa.column("draft_id"), sa.column("revision"), sa.column("content_hash"))
    publications = sa.table("publications", sa.column("draft_id"), sa.column("revision"), sa.column("content_hash"))
    rows = connection.execute(sa.select(revisions.c.id, revisions.c.draft_id, revisions.c.number, revisions.c.title,
                                        revisions.c.content, revisions.c.markdown, revisions.c.content_hash)).all()
    for row in rows:
        content = json.loads(row.content)
        if old_formula(row.title, content, row.markdown) != row.content_hash:
            continue  # changed outside the workbench: it must stay unpublishable
        new = new_formula(row.title, content, row.markdown)
        connection.execute(sa.update(revisions).where(revisions.c.id == row.id).values(content_hash=new))
        for table in (sign_offs, publications):
            connection.execute(sa.update(table).where(table.c.draft_id == row.draft_id, table.c.revision == row.number,
                                                      table.c.content_hash == row.content_hash).values(content_hash=new))


def upgrade() -> None:
    _rehash(_without_title, _with_title)


def downgrade() -> None:
    _rehash(_with_title, _without_title)
