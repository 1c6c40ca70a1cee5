"""The drafting tables (created by the one Alembic history in review/migrations): failed generations."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, Text

from review.db import NAMING_CONVENTION, UTCDateTime

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# A model reply that stayed invalid after the retries, kept for the author whatever replica they use.
failed_generations = Table(
    "failed_generations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("label", String(200), nullable=False),
    Column("message", Text, nullable=False),
    Column("raw_output", Text, nullable=False),
)
