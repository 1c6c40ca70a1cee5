"""The gap tables (created by the one Alembic history in review/migrations): coverage over time."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table

from review.db import NAMING_CONVENTION, UTCDateTime

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# One summary per gap report whose results differ from the framework's previous point.
coverage_history = Table(
    "coverage_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("framework", String(300), nullable=False),
    Column("skills", Integer, nullable=False),
    Column("covered", Integer, nullable=False),
    Column("partial", Integer, nullable=False),
    Column("stale", Integer, nullable=False),
    Column("gap", Integer, nullable=False),
    Column("mean_coverage", Float, nullable=False),
    Index("ix_coverage_history_framework", "framework", "id"),
)
