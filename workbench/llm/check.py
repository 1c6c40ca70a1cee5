"""`workbench llm check`: one small structured call that proves the configured model works."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from workbench.llm.client import LLMClient
from workbench.llm.prompts import PromptRegistry

CHECK_PROMPT = "llm_check"
CHECK_TOPIC = "active listening"


class LLMCheckReply(BaseModel):
    """A short tip: proves the model can return JSON that matches a schema."""

    topic: str = Field(min_length=1, max_length=120)
    tip: str = Field(min_length=1, max_length=400)


def run_check(llm: LLMClient, prompts: PromptRegistry, topic: str = CHECK_TOPIC) -> dict[str, Any]:
    """Make one small structured call and report provider, model, reply, tokens and speed."""
    prompt = prompts.get(CHECK_PROMPT)
    result = llm.structured(prompt, {"topic": topic}, LLMCheckReply)
    return {
        "ok": True,
        "provider": result.provider,
        "model": result.model,
        "is_demo_model": llm.is_demo_model,
        "structured_mode": result.parameters.get("structured_mode"),
        "prompt": f"{prompt.name}.v{prompt.version}",
        "reply": result.value.model_dump(),
        "attempts": result.attempts,
        "prompt_tokens": result.prompt_tokens,
        "completion_tokens": result.completion_tokens,
        "latency_seconds": round(result.latency_seconds, 3),
        "tokens_per_second": round(result.tokens_per_second, 1),
    }
