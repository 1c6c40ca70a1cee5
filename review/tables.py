"""The review queue's tables (SQLAlchemy Core); created only by the Alembic migrations in review/migrations."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.sql.expression import false, text

from review.db import NAMING_CONVENTION, UTCDateTime

metadata = MetaData(naming_convention=NAMING_CONVENTION)


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False, server_default=""),
    Column("password_hash", String(255), nullable=True),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    Column("oidc_issuer", String(500), nullable=True),
    Column("oidc_subject", String(500), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_users_identity"),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("role", String(40), primary_key=True),
)

drafts = Table(
    "drafts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("state", String(30), nullable=False),
    Column("current_revision", Integer, nullable=False),
    Column("author_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("generated_by", Text, nullable=True),
    Column("skill_ids", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_drafts_state", "state"),
)

revisions = Table(
    "revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("draft_id", Integer, ForeignKey("drafts.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("markdown", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("findings", Text, nullable=False),
    Column("editor_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("draft_id", "number", name="uq_revisions_draft_number"),
)

sign_offs = Table(
    "sign_offs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("draft_id", Integer, ForeignKey("drafts.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("dimension", String(20), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
    Column("voided_at", UTCDateTime, nullable=True),
    Column("voided_by_revision", Integer, nullable=True),
    # The separation-of-duties rules, enforced by the database itself, over the standing (not voided) rows.
    Index("uq_sign_offs_one_per_dimension", "draft_id", "revision", "dimension", unique=True,
          sqlite_where=text("voided_at IS NULL"), postgresql_where=text("voided_at IS NULL")),
    Index("uq_sign_offs_one_per_user", "draft_id", "revision", "user_id", unique=True,
          sqlite_where=text("voided_at IS NULL"), postgresql_where=text("voided_at IS NULL")),
)

finding_waivers = Table(
    "finding_waivers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("draft_id", Integer, ForeignKey("drafts.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    # Which finding of that revision: review.findings.finding_key (its check, location and message).
    Column("finding_key", String(64), nullable=False),
    Column("check", String(100), nullable=False),
    Column("location", String(200), nullable=False),
    Column("dimension", String(20), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("waived_at", UTCDateTime, nullable=False),
    Column("voided_at", UTCDateTime, nullable=True),
    Column("voided_by_revision", Integer, nullable=True),
    UniqueConstraint("draft_id", "revision", "finding_key", name="uq_finding_waivers_one_per_finding"),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("draft_id", Integer, ForeignKey("drafts.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("anchor", String(200), nullable=True),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_comments_draft_id", "draft_id"),
)

publications = Table(
    "publications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("draft_id", Integer, ForeignKey("drafts.id"), nullable=False, unique=True),
    Column("path", String(500), nullable=False, unique=True),
    Column("module_id", String(200), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    # The exact file text, so a crash between the commit and the file write can be repaired.
    Column("text", Text, nullable=False),
    Column("text_sha256", String(64), nullable=False),
    Column("present", Boolean, nullable=False),
    Column("indexed", Boolean, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("removed_at", UTCDateTime, nullable=True),
    Column("remove_reason", Text, nullable=True),
    # With a git library: the commit that holds this publication (pushed, or adopted after a crash).
    Column("git_commit", String(64), nullable=True),
    # The recovery pass before each publish reads only the rows whose file or index step is still to do.
    Index("ix_publications_unfinished", "draft_id",
          sqlite_where=text('"indexed" = 0'), postgresql_where=text("indexed = false")),
)

# A publish into a git library that has started: committed before the push, deleted by the publish's own
# commit. A row left behind means an attempt died or failed, perhaps after its push was accepted.
publish_attempts = Table(
    "publish_attempts",
    metadata,
    Column("draft_id", Integer, primary_key=True, autoincrement=False),
    Column("revision", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    # Text, not a datetime: the hash covers exactly these characters on every backend.
    Column("at", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("draft_id", Integer, nullable=True),
    Column("revision", Integer, nullable=True),
    Column("content_hash", String(64), nullable=True),
    Column("dimension", String(20), nullable=True),
    Column("comment", Text, nullable=True),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("row_hash", String(64), nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

# A signed-in browser: the cookie carries a random token, the database keeps only its SHA-256.
sign_in_sessions = Table(
    "sign_in_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("via", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("end_reason", String(40), nullable=True),
    Index("ix_sign_in_sessions_user_id", "user_id"),
)

# Failed sign-ins per account (a user name, or the hash of an unknown one) and per client address.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", String(10), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("first_failed_at", UTCDateTime, nullable=False),
    Column("last_failed_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
    UniqueConstraint("scope", "subject", name="uq_sign_in_failures_scope"),
)
