"""The generation log contract: every call to a model is recorded with what it saw and how it ended.

The database-backed log lives in the review package (`review.generation_log.GenerationLog`); this
module only names the keyword arguments it must accept, and offers an in-memory log for tests.
"""

from __future__ import annotations

import threading
from enum import StrEnum
from typing import Any, Protocol


class Outcome(StrEnum):
    """How one call to a model ended."""

    OK = "ok"
    INVALID = "invalid"
    TRUNCATED = "truncated"
    REFUSED = "refused"
    UNAVAILABLE = "unavailable"
    CANCELLED = "cancelled"
    ERROR = "error"


class GenerationLogSink(Protocol):
    """Anything that can record one call (the review package's GenerationLog fits)."""

    def record(
        self,
        *,
        prompt_name: str,
        prompt_version: int,
        prompt_sha256: str,
        provider: str,
        model: str,
        parameters: dict,
        prompt_tokens: int,
        completion_tokens: int,
        latency_ms: int,
        outcome: str,
        error: str | None,
    ) -> Any:
        """Store one call."""


class InMemoryGenerationLog:
    """A generation log kept in a list (tests, and commands without a database)."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def record(
        self,
        *,
        prompt_name: str,
        prompt_version: int,
        prompt_sha256: str,
        provider: str,
        model: str,
        parameters: dict,
        prompt_tokens: int,
        completion_tokens: int,
        latency_ms: int,
        outcome: str,
        error: str | None,
    ) -> None:
        """Store one call."""
        entry = dict(
            prompt_name=prompt_name,
            prompt_version=prompt_version,
            prompt_sha256=prompt_sha256,
            provider=provider,
            model=model,
            parameters=dict(parameters),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            latency_ms=latency_ms,
            outcome=str(outcome),
            error=error,
        )
        with self._lock:
            self.records.append(entry)

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest calls, newest first."""
        with self._lock:
            return list(reversed(self.records[-limit:]))
