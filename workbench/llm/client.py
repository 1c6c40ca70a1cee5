"""LLMClient: one interface over every provider, with validation, bounded retries and a generation log."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol, TypeVar

from pydantic import BaseModel

from workbench.domain.drafts import PromptUse
from workbench.errors import (
    GenerationCancelled,
    LLMError,
    LLMOutputInvalid,
    LLMRefused,
    LLMRequestRejected,
    LLMTruncated,
    LLMUnavailable,
    WorkbenchError,
)
from workbench.llm.errors import LLMCallFailed
from workbench.llm.generation_log import GenerationLogSink, GenerationRecord, InMemoryGenerationLog, Outcome
from workbench.llm.parsing import RawReply, check_finished, is_retryable, parse_structured
from workbench.llm.prompts import Message, Prompt
from workbench.llm.redaction import redact
from workbench.llm.results import StructuredResult, TextResult
from workbench.llm.wire_schema import to_wire, wire_schema

T = TypeVar("T", bound=BaseModel)
TokenCallback = Callable[[str], None]
WaitCallback = Callable[[int], None]
"""Hears how many requests are ahead of this one at a local model, each time it changes (0: running)."""
logger = logging.getLogger(__name__)

DEFAULT_MAX_TOKENS = 1024


@dataclass(frozen=True)
class SchemaSpec:
    """The JSON schema a structured reply must follow, in the two forms the providers need.

    `json_schema` is the full schema as declared (what the reply is validated against; the
    embedded provider builds its grammar from it). `wire_schema` is the provider-safe subset that
    OpenAI-compatible endpoints are sent (workbench.llm.wire_schema), made only when asked for.
    """

    name: str
    description: str
    json_schema: dict[str, Any]
    model: type[BaseModel] | None = None

    @classmethod
    def for_model(cls, schema: type[BaseModel]) -> "SchemaSpec":
        """The spec of a pydantic model."""
        doc = (schema.__doc__ or "").strip().splitlines()
        return cls(name=schema.__name__, description=doc[0] if doc else schema.__name__, json_schema=schema.model_json_schema(), model=schema)

    @property
    def wire_schema(self) -> dict[str, Any]:
        """The provider-safe form (WireSchemaError if the schema has none)."""
        return wire_schema(self.model) if self.model is not None else to_wire(self.json_schema, name=self.name)


class ChatBackend(Protocol):
    """A provider: sends messages, streams tokens, returns the raw reply or raises a named error."""

    provider: str
    model_id: str
    is_demo_model: bool

    def complete(
        self,
        messages: list[Message],
        *,
        schema: SchemaSpec | None,
        max_tokens: int,
        temperature: float,
        on_token: TokenCallback | None,
        cancel: threading.Event | None,
        on_wait: WaitCallback | None = None,
    ) -> RawReply:
        """One request to the model (`on_wait` hears the request's place in a local model's line)."""

    def secrets(self) -> list[str]:
        """Strings that must never appear in a message or a log (API keys)."""

    def structured_mode(self) -> str:
        """How structured output is requested right now (grammar, json_schema, tools, json_object)."""


class LLMClient:
    """Calls a model with a prompt file and returns validated values; records every call."""

    def __init__(
        self,
        backend: ChatBackend,
        *,
        generation_log: GenerationLogSink | None = None,
        max_retries: int = 2,
        temperature: float = 0.2,
        default_max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> None:
        self.backend = backend
        self.generation_log = generation_log if generation_log is not None else InMemoryGenerationLog()
        self.max_retries = max(0, max_retries)
        self.temperature = temperature
        self.default_max_tokens = default_max_tokens

    @classmethod
    def for_chat_model(
        cls,
        chat_model: Any,
        *,
        provider: str = "fake",
        model_id: str = "fake",
        generation_log: GenerationLogSink | None = None,
        structured_mode: str = "json_schema",
        max_retries: int = 2,
        temperature: float = 0.2,
        is_demo_model: bool = False,
    ) -> "LLMClient":
        """A client over any LangChain chat model (the fake one in tests)."""
        from workbench.llm.langchain_backend import LangChainBackend

        backend = LangChainBackend(
            chat_model,
            provider=provider,
            model_id=model_id,
            structured_mode=structured_mode,
            is_demo_model=is_demo_model,
        )
        return cls(backend, generation_log=generation_log, max_retries=max_retries, temperature=temperature)

    def tagged(self, *, actor: str | None, use: str | None, endpoint: str | None) -> "LLMClient":
        """The same client whose generation log records who asked, for which use, through which endpoint."""
        from workbench.llm.generation_log import TaggedGenerationLog

        sink = self.generation_log.sink if isinstance(self.generation_log, TaggedGenerationLog) else self.generation_log
        copy = LLMClient(self.backend, generation_log=TaggedGenerationLog(sink, actor=actor, use=use, endpoint=endpoint),
                         max_retries=self.max_retries, temperature=self.temperature, default_max_tokens=self.default_max_tokens)
        return copy

    @property
    def provider(self) -> str:
        """The provider name: embedded, openai or fake."""
        return self.backend.provider

    @property
    def model_id(self) -> str:
        """The model identifier as recorded in provenance."""
        return self.backend.model_id

    @property
    def is_demo_model(self) -> bool:
        """True for the small embedded base model, whose drafts only exercise the workflow."""
        return self.backend.is_demo_model

    @property
    def fake(self):
        """The FakeChatModel behind this client (tests enqueue replies on it); None otherwise."""
        return getattr(self.backend, "chat_model", None) if self.provider == "fake" else None

    def structured(
        self,
        prompt: Prompt,
        variables: dict[str, Any],
        schema: type[T],
        *,
        max_tokens: int | None = None,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
        on_wait: WaitCallback | None = None,
    ) -> StructuredResult[T]:
        """A reply validated into `schema`, retrying with the error fed back; else a named error."""
        messages = prompt.render(variables)
        spec = SchemaSpec.for_model(schema)
        limit = self._max_tokens(prompt, max_tokens)
        temperature = self._temperature(prompt)
        started = time.perf_counter()
        prompt_tokens = completion_tokens = 0
        attempts = 1 + self.max_retries
        for attempt in range(1, attempts + 1):
            reply, parameters, latency_ms = self._call(
                prompt, messages, spec, limit, temperature, on_token, cancel, attempt, schema.__name__, on_wait
            )
            prompt_tokens += reply.prompt_tokens
            completion_tokens += reply.completion_tokens
            try:
                value = parse_structured(reply, schema)
            except LLMOutputInvalid as error:
                error = self._as_truncation_if_budget_spent(error, reply, limit)
                self._record(prompt, parameters, reply, latency_ms, self._outcome_of(error), str(error))
                if is_retryable(error) and attempt < attempts:
                    # Show the model its own reply and what was wrong with it, then ask again.
                    messages = messages + [
                        Message("assistant", reply.text),
                        Message(
                            "user",
                            f"That reply was not usable: {error}. Reply again with only the JSON object, "
                            "matching the schema exactly, with no code fence and no commentary.",
                        ),
                    ]
                    continue
                suffix = f" (after {attempt} attempts)" if attempt > 1 else ""
                raise type(error)(f"{prompt.label}: {error}{suffix}", raw_output=error.raw_output) from None
            self._record(prompt, parameters, reply, latency_ms, Outcome.OK, None)
            return StructuredResult(
                value=value,
                raw_text=reply.text,
                prompt_use=self.prompt_use(prompt),
                provider=self.provider,
                model=self.model_id,
                parameters=parameters,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                latency_seconds=time.perf_counter() - started,
                attempts=attempt,
            )
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises

    def text(
        self,
        prompt: Prompt,
        variables: dict[str, Any],
        *,
        max_tokens: int | None = None,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
        on_wait: WaitCallback | None = None,
    ) -> TextResult:
        """Free text for a prompt; truncated, refused or empty replies are named errors."""
        messages = prompt.render(variables)
        limit = self._max_tokens(prompt, max_tokens)
        temperature = self._temperature(prompt)
        started = time.perf_counter()
        reply, parameters, latency_ms = self._call(
            prompt, messages, None, limit, temperature, on_token, cancel, 1, None, on_wait
        )
        try:
            check_finished(reply)
        except LLMOutputInvalid as error:
            self._record(prompt, parameters, reply, latency_ms, self._outcome_of(error), str(error))
            raise type(error)(f"{prompt.label}: {error}", raw_output=error.raw_output) from None
        self._record(prompt, parameters, reply, latency_ms, Outcome.OK, None)
        return TextResult(
            text=reply.text.strip(),
            prompt_use=self.prompt_use(prompt),
            provider=self.provider,
            model=self.model_id,
            parameters=parameters,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            latency_seconds=time.perf_counter() - started,
            finish_reason=reply.finish_reason,
        )

    @staticmethod
    def prompt_use(prompt: Prompt) -> PromptUse:
        """The provenance record of a prompt file."""
        return PromptUse(name=prompt.name, version=prompt.version, sha256=prompt.sha256)

    # -- internals -------------------------------------------------------------------------------

    @staticmethod
    def _as_truncation_if_budget_spent(error: LLMOutputInvalid, reply: RawReply, limit: int) -> LLMOutputInvalid:
        """An unusable reply that used the whole token budget was cut off, whatever finish_reason says.

        Some servers report a forced tool call that hit max_tokens as finish_reason "tool_calls".
        """
        if is_retryable(error) and reply.completion_tokens >= limit:
            return LLMTruncated(
                f"the reply used the whole budget of {limit} tokens and is incomplete ({error}); "
                "raise max_tokens or shorten the request",
                raw_output=reply.text,
            )
        return error

    def _max_tokens(self, prompt: Prompt, max_tokens: int | None) -> int:
        return int(max_tokens or prompt.parameters.get("max_tokens") or self.default_max_tokens)

    def _temperature(self, prompt: Prompt) -> float:
        return float(prompt.parameters.get("temperature", self.temperature))

    def _call(
        self,
        prompt: Prompt,
        messages: list[Message],
        spec: SchemaSpec | None,
        max_tokens: int,
        temperature: float,
        on_token: TokenCallback | None,
        cancel: threading.Event | None,
        attempt: int,
        schema_name: str | None,
        on_wait: WaitCallback | None = None,
    ) -> tuple[RawReply, dict[str, Any], int]:
        """One request; failures are recorded, redacted and raised as named errors."""
        parameters: dict[str, Any] = {
            "temperature": temperature,
            "max_tokens": max_tokens,
            "attempt": attempt,
            "streaming": on_token is not None,
        }
        if schema_name:
            parameters["schema"] = schema_name
        started = time.perf_counter()
        if cancel is not None and cancel.is_set():
            error: LLMError = GenerationCancelled(f"{prompt.label}: generation cancelled before it started")
            self._record_failure(prompt, parameters, started, Outcome.CANCELLED, str(error))
            raise error
        try:
            reply = self.backend.complete(
                messages,
                schema=spec,
                max_tokens=max_tokens,
                temperature=temperature,
                on_token=on_token,
                cancel=cancel,
                on_wait=on_wait,
            )
        except LLMError as error:
            message = self._redact(f"{prompt.label}: {error}")
            parameters["structured_mode"] = self.backend.structured_mode() if spec else "text"
            self._record_failure(prompt, parameters, started, self._outcome_of(error), message)
            raw = self._redact(error.raw_output) if error.raw_output else error.raw_output
            raise type(error)(message, raw_output=raw) from None
        except WorkbenchError:
            raise
        except Exception as error:  # noqa: BLE001 - any other provider failure becomes one named error
            message = self._redact(f"{prompt.label}: the model call failed: {type(error).__name__}: {error}")
            self._record_failure(prompt, parameters, started, Outcome.ERROR, message)
            raise LLMCallFailed(message) from None
        parameters["structured_mode"] = reply.structured_mode if spec else "text"
        return reply, parameters, int((time.perf_counter() - started) * 1000)

    @staticmethod
    def _outcome_of(error: Exception) -> Outcome:
        if isinstance(error, GenerationCancelled):
            return Outcome.CANCELLED
        if isinstance(error, LLMUnavailable):
            return Outcome.UNAVAILABLE
        if isinstance(error, LLMRequestRejected):
            return Outcome.REJECTED
        if isinstance(error, LLMTruncated):
            return Outcome.TRUNCATED
        if isinstance(error, LLMRefused):
            return Outcome.REFUSED
        if isinstance(error, LLMOutputInvalid):
            return Outcome.INVALID
        return Outcome.ERROR

    def _redact(self, text: str) -> str:
        return redact(text, self.backend.secrets())

    def _record(
        self,
        prompt: Prompt,
        parameters: dict[str, Any],
        reply: RawReply,
        latency_ms: int,
        outcome: Outcome,
        error: str | None,
    ) -> None:
        self._write_log(prompt, parameters, reply.prompt_tokens, reply.completion_tokens, latency_ms, outcome, error)

    def _record_failure(
        self, prompt: Prompt, parameters: dict[str, Any], started: float, outcome: Outcome, error: str
    ) -> None:
        latency_ms = int((time.perf_counter() - started) * 1000)
        self._write_log(prompt, parameters, 0, 0, latency_ms, outcome, error)

    def _write_log(
        self,
        prompt: Prompt,
        parameters: dict[str, Any],
        prompt_tokens: int,
        completion_tokens: int,
        latency_ms: int,
        outcome: Outcome,
        error: str | None,
    ) -> None:
        try:
            self.generation_log.record(GenerationRecord(
                prompt_name=prompt.name,
                prompt_version=prompt.version,
                prompt_sha256=prompt.sha256,
                provider=self.provider,
                model=self.model_id,
                parameters=dict(parameters),
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                latency_ms=latency_ms,
                outcome=str(outcome),
                error=self._redact(error) if error else None,
            ))
        except Exception as failure:  # noqa: BLE001 - a broken log must not lose the user's generation
            logger.warning("could not write the generation log: %s", self._redact(str(failure)))
