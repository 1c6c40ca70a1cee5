"""The generation log: every call to a model is recorded with what it saw and how it ended.

`DatabaseGenerationLog` keeps it in the workbench database (its table is created by the one Alembic
history in review/migrations); `InMemoryGenerationLog` keeps it in a list, for tests and commands
without a database.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any, Callable, Protocol

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text, insert, select

from review.db import NAMING_CONVENTION, Database, UTCDateTime
from workbench.llm.redaction import redact

MAX_ERROR_CHARS = 2_000

metadata = MetaData(naming_convention=NAMING_CONVENTION)
generation_log = Table(
    "generation_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("prompt_name", String(200), nullable=False),
    Column("prompt_version", Integer, nullable=True),
    Column("prompt_sha256", String(64), nullable=False),
    Column("provider", String(100), nullable=False),
    Column("model", String(300), nullable=False),
    Column("parameters", Text, nullable=False),
    Column("prompt_tokens", Integer, nullable=True),
    Column("completion_tokens", Integer, nullable=True),
    Column("latency_ms", Float, nullable=True),
    Column("outcome", String(40), nullable=False),
    Column("error", Text, nullable=True),
    # Who asked, for which use of AI, through which governed endpoint (budgets and usage read these).
    Column("actor", String(200), nullable=True),
    Column("use", String(40), nullable=True),
    Column("endpoint", String(100), nullable=True),
    Index("ix_generation_log_at", "at"),
    Index("ix_generation_log_actor", "actor", "at"),
)


class Outcome(StrEnum):
    """How one call to a model ended."""

    OK = "ok"
    INVALID = "invalid"
    TRUNCATED = "truncated"
    REFUSED = "refused"
    UNAVAILABLE = "unavailable"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    ERROR = "error"


@dataclass(frozen=True)
class GenerationRecord:
    """One call to a model: the prompt it was given, the model, its parameters, tokens, latency, outcome."""

    prompt_name: str
    prompt_version: int | None
    prompt_sha256: str
    provider: str
    model: str
    parameters: dict = field(default_factory=dict)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float | None = None
    outcome: str = Outcome.OK.value
    error: str | None = None
    actor: str | None = None
    use: str | None = None
    endpoint: str | None = None

    def safe(self) -> "GenerationRecord":
        """The record with its texts capped and anything that looks like an API key masked."""
        return GenerationRecord(
            prompt_name=str(self.prompt_name)[:200],
            prompt_version=self.prompt_version,
            prompt_sha256=str(self.prompt_sha256)[:64],
            provider=str(self.provider)[:100],
            model=str(self.model)[:300],
            parameters=dict(self.parameters or {}),
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            latency_ms=self.latency_ms,
            outcome=str(self.outcome)[:40],
            error=redact(str(self.error))[:MAX_ERROR_CHARS] if self.error else None,
            actor=str(self.actor)[:200] if self.actor else None,
            use=str(self.use)[:40] if self.use else None,
            endpoint=str(self.endpoint)[:100] if self.endpoint else None,
        )


class GenerationLogSink(Protocol):
    """Anything that can record one call."""

    def record(self, entry: GenerationRecord) -> Any:
        """Store one call."""


class TaggedGenerationLog:
    """A sink that stamps every record with who asked, for which use, through which endpoint."""

    def __init__(self, sink: GenerationLogSink, *, actor: str | None, use: str | None, endpoint: str | None) -> None:
        self.sink = sink
        self.tags = {"actor": actor, "use": use, "endpoint": endpoint}

    def record(self, entry: GenerationRecord) -> Any:
        """Store one call through the wrapped sink, with the tags."""
        return self.sink.record(replace(entry, **self.tags))

    def __getattr__(self, name: str) -> Any:
        # Reading the log (recent(), records) goes to the wrapped sink.
        return getattr(self.sink, name)


class InMemoryGenerationLog:
    """A generation log kept in a list (tests, and commands without a database)."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def record(self, entry: GenerationRecord) -> None:
        """Store one call."""
        with self._lock:
            self.records.append(asdict(entry.safe()))

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest calls, newest first."""
        with self._lock:
            return list(reversed(self.records[-limit:]))


class DatabaseGenerationLog:
    """Records every LLM call in the workbench database."""

    def __init__(self, database: Database, clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def record(self, entry: GenerationRecord) -> None:
        """Store one call (secrets redacted from the error text)."""
        row = asdict(entry.safe())
        row["at"] = self.clock()
        row["parameters"] = json.dumps(row["parameters"], sort_keys=True, ensure_ascii=False, default=str)
        self.database.run_write(lambda connection: connection.execute(insert(generation_log).values(**row)))

    def recent(self, limit: int = 50) -> list[dict]:
        """The newest calls first, as JSON-ready dicts."""
        with self.database.read() as connection:
            rows = connection.execute(
                select(generation_log).order_by(generation_log.c.id.desc()).limit(max(1, limit))
            ).all()
        result = []
        for row in rows:
            item = dict(row._mapping)
            item["at"] = item["at"].isoformat()
            item["parameters"] = json.loads(item["parameters"])
            result.append(item)
        return result
