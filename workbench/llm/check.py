"""`workbench llm check`: one small structured call that proves the configured model works,
and `check_schema`, one request per schema for `workbench llm check --schemas`."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import BaseModel, Field

from workbench.errors import LLMError, LLMOutputInvalid, LLMRequestRejected, LLMServerCrashed, LLMTruncated, LLMUnavailable
from workbench.llm.client import LLMClient
from workbench.llm.parsing import RawReply
from workbench.llm.prompts import Prompt, PromptRegistry

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


@dataclass
class SchemaCheck:
    """How an endpoint took one structured request: accepted or not, mode, tokens and time."""

    schema: str
    prompt: str
    accepted: bool
    outcome: str  # valid, cut at the token limit, invalid reply, rejected, server crashed, unavailable, failed
    structured_mode: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `workbench llm check --schemas`."""
        return asdict(self)


class _RecordingBackend:
    """Passes requests to a backend and remembers the last raw reply (tokens, mode) for the report."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.last: RawReply | None = None
        self.provider, self.model_id, self.is_demo_model = backend.provider, backend.model_id, backend.is_demo_model

    def complete(self, messages, **options) -> RawReply:
        """The wrapped backend's reply, remembered."""
        self.last = self.backend.complete(messages, **options)
        return self.last

    def secrets(self) -> list[str]:
        """The wrapped backend's secrets."""
        return self.backend.secrets()

    def structured_mode(self) -> str:
        """The wrapped backend's structured mode."""
        return self.backend.structured_mode()


def check_schema(llm: LLMClient, prompt: Prompt, variables: dict[str, Any], schema: type[BaseModel], max_tokens: int) -> SchemaCheck:
    """Send one structured request, once (no re-ask), and say whether the endpoint accepted the schema.

    A reply cut at `max_tokens` counts as accepted: the endpoint took the schema and generated with it.
    """
    recording = _RecordingBackend(llm.backend)
    once = LLMClient(recording, generation_log=llm.generation_log, max_retries=0, temperature=llm.temperature)
    started = time.perf_counter()
    outcome, accepted, message = "valid", True, ""
    try:
        once.structured(prompt, variables, schema, max_tokens=max_tokens)
    except LLMTruncated:
        outcome = "cut at the token limit"
    except LLMOutputInvalid as error:
        outcome, message = "invalid reply", str(error)
    except LLMRequestRejected as error:
        outcome, accepted, message = "rejected", False, str(error)
    except LLMServerCrashed as error:
        outcome, accepted, message = "server crashed", False, str(error)
    except LLMUnavailable as error:
        outcome, accepted, message = "unavailable", False, str(error)
    except LLMError as error:
        outcome, accepted, message = "failed", False, str(error)
    reply = recording.last
    return SchemaCheck(
        schema=schema.__name__,
        prompt=prompt.label,
        accepted=accepted,
        outcome=outcome,
        structured_mode=reply.structured_mode if reply is not None else "-",
        prompt_tokens=reply.prompt_tokens if reply is not None else 0,
        completion_tokens=reply.completion_tokens if reply is not None else 0,
        seconds=round(time.perf_counter() - started, 2),
        message=message,
    )
