"""The generation log: one row per LLM call (prompt, model, parameters, tokens, latency, outcome)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import insert, select

from review.db import Database
from review.tables import generation_log

_MAX_ERROR_CHARS = 2_000
# Provider error messages sometimes echo the key; never store it.
_SECRET_PATTERNS = (
    re.compile(r"sk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-]{8,}"),
    re.compile(r"(?i)(api[_-]?key[\"']?\s*[:=]\s*[\"']?)[^\s\"',]{6,}"),
)


def redact(text: str) -> str:
    """The text with anything that looks like an API key replaced by [redacted]."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[redacted]", text)
    return text


class GenerationLog:
    """Records every LLM call in the workbench database."""

    def __init__(self, database: Database, clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def record(
        self,
        *,
        prompt_name: str,
        prompt_version: int | None,
        prompt_sha256: str,
        provider: str,
        model: str,
        parameters: dict,
        prompt_tokens: int | None,
        completion_tokens: int | None,
        latency_ms: float | None,
        outcome: str,
        error: str | None,
    ) -> None:
        """Store one LLM call (secrets redacted from the error text)."""
        row = {
            "at": self.clock(),
            "prompt_name": str(prompt_name)[:200],
            "prompt_version": prompt_version,
            "prompt_sha256": str(prompt_sha256)[:64],
            "provider": str(provider)[:100],
            "model": str(model)[:300],
            "parameters": json.dumps(parameters or {}, sort_keys=True, ensure_ascii=False, default=str),
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "latency_ms": latency_ms,
            "outcome": str(outcome)[:40],
            "error": redact(str(error))[:_MAX_ERROR_CHARS] if error else None,
        }
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
