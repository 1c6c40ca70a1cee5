"""Turning a model's reply into a validated pydantic value, or into a named error keeping the reply.

Policy (documented in docs/llm.md):
- a refusal, an empty reply or a content-filtered reply is `LLMRefused` (not retried);
- a reply cut at the token limit is `LLMTruncated` (not retried: the same limit would cut it again);
- JSON wrapped in a Markdown code fence is *not* silently unwrapped: every structured mode the
  workbench uses (JSON schema, tool calling, grammar) returns bare JSON, so a fence means the
  endpoint ignored the requested format. It is an `LLMOutputInvalid` that is retried with the
  correction fed back, and stays an error if the model keeps fencing;
- text that is not JSON, or JSON that does not match the schema, is `LLMOutputInvalid`, retried
  with the validation error fed back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from workbench.errors import LLMOutputInvalid, LLMRefused, LLMTruncated

T = TypeVar("T", bound=BaseModel)

CODE_FENCE = re.compile(r"^\s*```")
REFUSAL_OPENINGS = re.compile(
    r"^\s*(i'?m sorry|i am sorry|sorry,|i can(?:'|no)t|i cannot|i am unable|i'm unable|i won'?t|"
    r"as an ai|i must decline|unfortunately,? i)",
    re.IGNORECASE,
)
MAX_REPORTED_ERRORS = 8


@dataclass
class RawReply:
    """What a provider returned for one request, before any validation."""

    text: str
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    refusal: str | None = None
    structured_mode: str = "text"


def check_finished(reply: RawReply) -> None:
    """Raise the named error for a refused, filtered, truncated or empty reply."""
    if reply.refusal:
        raise LLMRefused(f"the model refused: {reply.refusal.strip()[:300]}", raw_output=reply.text)
    if reply.finish_reason == "content_filter":
        raise LLMRefused("the endpoint's content filter withheld the reply", raw_output=reply.text)
    if reply.finish_reason == "length":
        raise LLMTruncated(
            f"the reply stopped at the token limit after {reply.completion_tokens} tokens; "
            "raise max_tokens or shorten the request",
            raw_output=reply.text,
        )
    if not reply.text.strip():
        raise LLMRefused("the model returned an empty reply", raw_output=reply.text)


def parse_structured(reply: RawReply, schema: type[T]) -> T:
    """The validated value of a reply, or a named error that keeps the raw text."""
    check_finished(reply)
    text = reply.text
    if CODE_FENCE.match(text):
        raise LLMOutputInvalid(
            "the reply wrapped the JSON in a Markdown code fence instead of returning bare JSON",
            raw_output=text,
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        if REFUSAL_OPENINGS.match(text):
            raise LLMRefused(f"the model refused: {text.strip()[:300]}", raw_output=text) from None
        raise LLMOutputInvalid(f"the reply is not valid JSON ({error.msg} at position {error.pos})", raw_output=text) from None
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        raise LLMOutputInvalid(
            f"the reply does not match the {schema.__name__} schema: {describe_validation_error(error)}",
            raw_output=text,
        ) from None


def describe_validation_error(error: ValidationError) -> str:
    """A compact, model- and human-readable list of what failed validation."""
    parts = []
    for item in error.errors()[:MAX_REPORTED_ERRORS]:
        location = ".".join(str(part) for part in item["loc"]) or "(root)"
        parts.append(f"{location}: {item['msg']}")
    more = len(error.errors()) - MAX_REPORTED_ERRORS
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def is_retryable(error: LLMOutputInvalid) -> bool:
    """Whether feeding the error back could help: not for refusals or truncation."""
    return not isinstance(error, (LLMRefused, LLMTruncated))
