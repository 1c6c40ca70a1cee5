"""What a call to the LLM layer returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from workbench.domain.drafts import PromptUse

T = TypeVar("T", bound=BaseModel)


@dataclass
class StructuredResult(Generic[T]):
    """A validated value plus everything needed to record how it was produced."""

    value: T
    raw_text: str
    prompt_use: PromptUse
    provider: str
    model: str
    parameters: dict[str, Any] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_seconds: float = 0.0
    attempts: int = 1

    @property
    def tokens_per_second(self) -> float:
        """Completion tokens per second of wall time (0 when nothing was timed)."""
        return self.completion_tokens / self.latency_seconds if self.latency_seconds > 0 else 0.0


@dataclass
class TextResult:
    """Free text from the model plus how it was produced."""

    text: str
    prompt_use: PromptUse
    provider: str
    model: str
    parameters: dict[str, Any] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_seconds: float = 0.0
    finish_reason: str | None = None

    @property
    def tokens_per_second(self) -> float:
        """Completion tokens per second of wall time (0 when nothing was timed)."""
        return self.completion_tokens / self.latency_seconds if self.latency_seconds > 0 else 0.0
