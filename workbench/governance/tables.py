"""The governance tables (created by the one Alembic history in review/migrations)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text

from review.db import NAMING_CONVENTION, UTCDateTime

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Endpoints a lead registered; the key itself stays in the environment or the secrets file.
endpoints = Table(
    "governance_endpoints",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("provider", String(20), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("base_url", Text, nullable=True),
    Column("model", String(300), nullable=True),
    Column("key_ref", String(200), nullable=True),
    Column("max_classification", String(50), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
)

# Which endpoint each use of AI goes to ("off": switched off). A use with no row goes to "default".
routes = Table(
    "governance_routes",
    metadata,
    Column("use", String(40), primary_key=True),
    Column("endpoint", String(100), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
)

team_members = Table(
    "governance_team_members",
    metadata,
    Column("team", String(100), nullable=False),
    Column("user_name", String(100), nullable=False),
    PrimaryKeyConstraint("team", "user_name"),
    Index("ix_governance_team_members_user_name", "user_name"),
)

# Limits of a user or a team; a null column is no limit.
budgets = Table(
    "governance_budgets",
    metadata,
    Column("subject_kind", String(10), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("tokens_per_day", Integer, nullable=True),
    Column("tokens_per_month", Integer, nullable=True),
    Column("concurrent", Integer, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
    PrimaryKeyConstraint("subject_kind", "subject"),
)

policies = Table(
    "governance_policies",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("text", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("published_by", String(200), nullable=False),
)

policy_acceptances = Table(
    "governance_policy_acceptances",
    metadata,
    Column("user_name", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("accepted_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("user_name", "version"),
)
