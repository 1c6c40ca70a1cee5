"""The generation log in the workbench database: every call stored, no secret kept (SQLite and PostgreSQL)."""

from __future__ import annotations

from workbench.llm.generation_log import DatabaseGenerationLog, GenerationRecord


def test_generation_log_records_calls_without_secrets(database):
    log = DatabaseGenerationLog(database)
    log.record(GenerationRecord(
        prompt_name="draft_module", prompt_version=1, prompt_sha256="ab" * 32, provider="openai", model="gpt-x",
        parameters={"temperature": 0.2}, prompt_tokens=100, completion_tokens=50, latency_ms=1234.5, outcome="error",
        error="401 Unauthorized: Incorrect API key provided: sk-abcdefghijklmnop1234; api_key=secretvalue99"))
    log.record(GenerationRecord(
        prompt_name="draft_module", prompt_version=1, prompt_sha256="ab" * 32, provider="embedded", model="gemma",
        prompt_tokens=10, completion_tokens=5, latency_ms=10.0, outcome="ok"))
    recent = log.recent(limit=10)
    assert [r["outcome"] for r in recent] == ["ok", "error"]
    error = recent[1]["error"]
    assert "sk-abcdefghijklmnop1234" not in error and "secretvalue99" not in error and error.count("[redacted]") == 2
    assert recent[1]["parameters"] == {"temperature": 0.2} and recent[1]["latency_ms"] == 1234.5
