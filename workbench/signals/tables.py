"""The signals' tables (SQLAlchemy Core): each import, the learners' results, proficiency ratings and market-trend counts it brought in.

Created only by the Alembic history in review/migrations (0002_signals, 0007_proficiency_ratings, 0011_market_trends,
0012_cited_passages). Person identifiers are
stored as keyed pseudonyms (see pseudonyms.py), never as they arrived.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text

from review.db import NAMING_CONVENTION, UTCDateTime

metadata = MetaData(naming_convention=NAMING_CONVENTION)

signal_imports = Table(
    "signal_imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(30), nullable=False),  # xapi | scorm-csv | proficiency-csv | market-trend | lrs
    Column("source", Text, nullable=False),  # the file name, or the LRS endpoint
    Column("sha256", String(64), nullable=True, unique=True),  # files only: the same bytes are imported once
    Column("imported_at", UTCDateTime, nullable=False),
    Column("imported_by", String(200), nullable=False),
    Column("cursor", String(64), nullable=True),  # LRS only: the `since` the next import starts from
    Column("read_count", Integer, nullable=False),
    Column("kept_count", Integer, nullable=False),
    Column("duplicate_count", Integer, nullable=False),
    Column("ignored_count", Integer, nullable=False),
    Column("rejected_count", Integer, nullable=False),
    Column("report", Text, nullable=False),  # JSON: problems (line and reason) and unknown ids
    Index("ix_signal_imports_source", "source"),
)

learner_results = Table(
    "learner_results",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", Integer, ForeignKey("signal_imports.id"), nullable=False),
    # The statement id (xAPI) or a hash of the record (SCORM): one result is kept once, however it arrives.
    Column("record_key", String(100), nullable=False, unique=True),
    Column("person", String(64), nullable=False),
    Column("module_id", String(200), nullable=False),
    Column("item_id", String(200), nullable=True),  # None: a result of the whole module (passed, failed, completed)
    Column("objective_id", String(200), nullable=False),
    Column("skill_ids", Text, nullable=False),  # JSON list
    Column("verb", String(40), nullable=False),
    Column("success", Boolean, nullable=True),
    Column("score_scaled", Float, nullable=True),
    Column("response", Text, nullable=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    Index("ix_learner_results_module_item", "module_id", "item_id"),
)

proficiency_ratings = Table(
    "proficiency_ratings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", Integer, ForeignKey("signal_imports.id"), nullable=False),
    Column("record_key", String(100), nullable=False, unique=True),
    Column("person", String(64), nullable=True),  # pseudonym; None for a team's rating
    Column("team", String(200), nullable=True),
    Column("skill_id", String(200), nullable=False),
    Column("rating", Float, nullable=False),
    Column("target", Float, nullable=True),
    Column("period", String(20), nullable=False),
    Index("ix_proficiency_ratings_skill_period", "skill_id", "period"),
)

market_trend_counts = Table(
    "market_trend_counts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", Integer, ForeignKey("signal_imports.id"), nullable=False),
    Column("record_key", String(100), nullable=False, unique=True),
    Column("label", String(200), nullable=False),  # as the file wrote it
    Column("skill_id", String(200), nullable=False),
    Column("match", String(20), nullable=False),  # "exact" or "meaning"
    Column("confidence", Float, nullable=True),  # cosine similarity of a match by meaning
    Column("period", String(20), nullable=False),
    Column("count", Integer, nullable=False),
    Index("ix_market_trend_counts_skill_period", "skill_id", "period"),
)

# The library passages a published module cites, as they stood when it was published: re-indexing compares
# the index with them to flag a module whose source changed or disappeared.
cited_passages = Table(
    "cited_passages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("draft_id", Integer, nullable=False),
    Column("revision", Integer, nullable=False),  # the published revision that cited it
    Column("chunk_id", String(64), nullable=False),
    Column("module_id", String(200), nullable=False),  # the library module that held the passage
    Column("heading_path", Text, nullable=False),  # JSON list: where the passage sat in its module
    Column("text_sha256", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_cited_passages_draft_id", "draft_id"),
)
