"""The provider for LangChain chat models: any OpenAI-compatible endpoint (ChatOpenAI) and the fake.

Structured output is requested in one of three ways, per `llm_structured_mode`:
`json_schema` (response_format of type json_schema), `tools` (one forced function call whose
parameters are the schema) or `json_object` (JSON mode, the schema described in the prompt).
`auto` starts with json_schema and, when the endpoint rejects it with HTTP 400/422 (llama.cpp's
own server does), falls back to tools and then json_object, remembering what worked per endpoint.

The schema sent is the provider-safe wire schema (workbench.llm.wire_schema) unless
`schema_form="full"` asks for the schema as declared, for grammar servers that enforce its limits.
Failed HTTP requests are retried here (workbench.llm.retry), never after a token was streamed.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Callable

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage

from workbench.errors import (
    GenerationCancelled,
    LLMError,
    LLMRequestRejected,
    LLMSchemaRejected,
    LLMServerCrashed,
    LLMUnavailable,
)
from workbench.llm.parsing import RawReply
from workbench.llm.prompts import Message
from workbench.llm.retry import Retryable, RetryPolicy, run_with_retries

MODES = ("json_schema", "tools", "json_object")
SCHEMA_FORMS = ("wire", "full")
# What worked per (base_url, model), shared by every client of the process.
_MODE_MEMORY: dict[tuple[str, str], str] = {}
_MODE_LOCK = threading.Lock()


class ModeRejected(Exception):
    """The endpoint answered 400/422 to the structured-output request (auto mode tries the next)."""


class LangChainBackend:
    """Sends rendered prompts through a LangChain chat model, streaming, and returns the raw reply."""

    def __init__(
        self,
        chat_model: Any,
        *,
        provider: str,
        model_id: str,
        structured_mode: str = "auto",
        schema_form: str = "wire",
        is_demo_model: bool = False,
        endpoint: str = "",
        api_key: str | None = None,
        token_limit_param: str = "max_tokens",
        error_translator: Callable[[Exception], Exception | None] | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        if schema_form not in SCHEMA_FORMS:
            raise ValueError(f"schema_form must be one of {SCHEMA_FORMS}, not {schema_form!r}")
        self.chat_model = chat_model
        self.provider = provider
        self.model_id = model_id
        self.is_demo_model = is_demo_model
        self.configured_mode = structured_mode
        self.schema_form = schema_form
        self.endpoint = endpoint
        self._api_key = api_key
        self.token_limit_param = token_limit_param
        self._translate = error_translator or (lambda error: None)
        self.retry_policy = retry_policy or RetryPolicy(max_retries=0)

    def secrets(self) -> list[str]:
        """The API key, so the client can mask it wherever it might surface."""
        return [self._api_key] if self._api_key else []

    def structured_mode(self) -> str:
        """The mode the next structured request will use."""
        if self.configured_mode != "auto":
            return self.configured_mode
        with _MODE_LOCK:
            return _MODE_MEMORY.get((self.endpoint, self.model_id), MODES[0])

    def complete(
        self,
        messages: list[Message],
        *,
        schema: Any,
        max_tokens: int,
        temperature: float,
        on_token: Callable[[str], None] | None,
        cancel: threading.Event | None,
        on_wait: Callable[[int], None] | None = None,
    ) -> RawReply:
        """One request; in auto mode a rejected structured-output mode falls back to the next."""
        if schema is None:
            try:
                return self._attempts(messages, None, "text", max_tokens, temperature, on_token, cancel)
            except ModeRejected as rejected:
                raise LLMRequestRejected(f"the LLM endpoint {self.endpoint} rejected the request: {rejected}") from None
        mode = self.structured_mode()
        rejections: list[str] = []
        while True:
            try:
                reply = self._attempts(messages, schema, mode, max_tokens, temperature, on_token, cancel)
            except ModeRejected as rejected:
                rejections.append(f"{mode}: {rejected}")
                position = MODES.index(mode)
                if self.configured_mode != "auto" or position + 1 >= len(MODES):
                    raise self._schema_rejected(schema.name, rejections) from None
                mode = MODES[position + 1]
                continue
            if self.configured_mode == "auto":
                with _MODE_LOCK:
                    _MODE_MEMORY[(self.endpoint, self.model_id)] = mode
            return reply

    def sent_schema(self, schema: Any) -> dict[str, Any]:
        """The JSON schema this backend puts on the wire for a SchemaSpec."""
        return schema.json_schema if self.schema_form == "full" else schema.wire_schema

    # -- internals -------------------------------------------------------------------------------

    def _schema_rejected(self, name: str, rejections: list[str]) -> LLMSchemaRejected:
        if len(rejections) == 1:
            what = f"in {rejections[0]}"
        else:
            what = "in every structured-output mode (" + "; ".join(rejections) + ")"
        return LLMSchemaRejected(
            f"the LLM endpoint {self.endpoint} rejected the {name} schema {what}; "
            "set WORKBENCH_LLM_STRUCTURED_MODE to a mode it supports, and run `workbench llm check --schemas`"
        )

    def _attempts(self, messages, schema, mode, max_tokens, temperature, on_token, cancel) -> RawReply:
        """One request, retried as the policy allows while nothing has been streamed yet."""
        return run_with_retries(
            lambda: self._stream(messages, schema, mode, max_tokens, temperature, on_token, cancel),
            self.retry_policy,
            server_closed_connection(self.endpoint),
            cancel,
        )

    def _bound(self, schema: Any, mode: str, max_tokens: int, temperature: float):
        options: dict[str, Any] = {"temperature": temperature}
        if self.token_limit_param == "max_tokens_extra_body":
            # ChatOpenAI renames max_tokens to max_completion_tokens, which some servers ignore.
            options["extra_body"] = {"max_tokens": max_tokens}
        else:
            options["max_tokens"] = max_tokens
        if schema is None or mode == "text":
            return self.chat_model.bind(**options)
        if mode == "json_schema":
            options["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema.name, "description": schema.description, "schema": self.sent_schema(schema), "strict": self.schema_form == "wire"},
            }
        elif mode == "tools":
            options["tools"] = [
                {
                    "type": "function",
                    "function": {"name": schema.name, "description": schema.description, "parameters": self.sent_schema(schema), "strict": self.schema_form == "wire"},
                }
            ]
            options["tool_choice"] = {"type": "function", "function": {"name": schema.name}}
        elif mode == "json_object":
            options["response_format"] = {"type": "json_object"}
        return self.chat_model.bind(**options)

    def _stream(
        self,
        messages: list[Message],
        schema: Any,
        mode: str,
        max_tokens: int,
        temperature: float,
        on_token: Callable[[str], None] | None,
        cancel: threading.Event | None,
    ) -> RawReply:
        lc_messages = to_langchain(messages, self.sent_schema(schema) if mode == "json_object" else None)
        runnable = self._bound(schema, mode, max_tokens, temperature)
        total: AIMessageChunk | None = None
        pieces: list[str] = []
        chunks = 0
        stream = None
        try:
            stream = iter(runnable.stream(lc_messages))
            for chunk in stream:
                if cancel is not None and cancel.is_set():
                    raise GenerationCancelled("generation cancelled", raw_output="".join(pieces))
                total = chunk if total is None else total + chunk
                delta = _delta_text(chunk)
                if delta:
                    chunks += 1
                    pieces.append(delta)
                    if on_token is not None:
                        on_token(delta)
        except LLMError:
            raise
        except Exception as error:  # noqa: BLE001 - SDK errors become named errors below
            translated = self._translate(error)
            if translated is None and total is None and "No generation chunks" in str(error):
                translated = stream_ended_early(self.endpoint, empty=True)  # LangChain's word for an empty stream
            if translated is None:
                raise
            if isinstance(translated, Retryable) and pieces:
                # Tokens were already streamed to the caller: no silent retry, and a closed connection is a crash.
                translated = server_closed_connection(self.endpoint) if translated.closed_by_server else translated.error
            named = translated.error if isinstance(translated, Retryable) else translated
            if isinstance(named, LLMError) and not named.raw_output:
                named.raw_output = "".join(pieces) or None
            raise translated from None
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        reply = _reply_from(total, "".join(pieces), chunks, mode)
        if reply.finish_reason is None:
            # Every OpenAI-compatible server ends a stream with a finish_reason; a stream cut short
            # (a server on HTTP/1.0 that died, a proxy that gave up) just stops.
            raise stream_ended_early(self.endpoint, empty=total is None, raw_output=reply.text or None)
        return reply


def server_closed_connection(endpoint: str) -> LLMServerCrashed:
    """The error for a server that closed the connection before or while answering."""
    return LLMServerCrashed(
        f"the LLM server at {endpoint or 'the endpoint'} closed the connection while generating — it may have crashed; see its log"
    )


def stream_ended_early(endpoint: str, *, empty: bool, raw_output: str | None = None) -> LLMError:
    """The error for a stream that ended without a finish_reason: empty (the server gave up on the
    request without saying why), or cut in the middle of the reply."""
    where = endpoint or "the endpoint"
    if empty:
        return LLMUnavailable(
            f"the LLM server at {where} ended the stream without a reply or an error; see its log "
            "(llama-cpp-python's server does this for a prompt longer than its context)"
        )
    return LLMServerCrashed(
        f"the LLM server at {where} ended the reply without finishing it (no finish_reason) — it may have crashed; see its log",
        raw_output=raw_output,
    )


def to_langchain(messages: list[Message], json_schema: dict[str, Any] | None = None) -> list[BaseMessage]:
    """Plain prompt messages as LangChain messages (json_object mode adds the schema to the system text)."""
    converted: list[BaseMessage] = []
    for message in messages:
        if message.role == "system":
            converted.append(SystemMessage(content=message.content))
        elif message.role == "assistant":
            converted.append(AIMessage(content=message.content))
        else:
            converted.append(HumanMessage(content=message.content))
    if json_schema is not None:
        instruction = (
            "Reply with one JSON object that matches this JSON schema, and nothing else:\n"
            + json.dumps(json_schema, ensure_ascii=False)
        )
        if converted and isinstance(converted[0], SystemMessage):
            converted[0] = SystemMessage(content=f"{converted[0].content}\n\n{instruction}")
        else:
            converted.insert(0, SystemMessage(content=instruction))
    return converted


def _delta_text(chunk: AIMessageChunk) -> str:
    """The new text of a streamed chunk: content, or the arguments of a tool call being streamed."""
    content = chunk.content
    if isinstance(content, list):
        content = "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    args = "".join(part.get("args") or "" for part in (chunk.tool_call_chunks or []))
    return (content or "") + args


def _reply_from(total: AIMessageChunk | None, streamed: str, chunks: int, mode: str) -> RawReply:
    if total is None:
        return RawReply(text="", finish_reason=None, structured_mode=mode)
    tool_args = "".join(part.get("args") or "" for part in (total.tool_call_chunks or []))
    text = tool_args if tool_args else (total.content if isinstance(total.content, str) else streamed)
    usage = total.usage_metadata or {}
    metadata = total.response_metadata or {}
    refusal = total.additional_kwargs.get("refusal")
    return RawReply(
        text=text,
        finish_reason=metadata.get("finish_reason"),
        prompt_tokens=int(usage.get("input_tokens") or 0),
        completion_tokens=int(usage.get("output_tokens") or chunks),
        refusal=refusal if isinstance(refusal, str) else None,
        structured_mode=mode,
    )
