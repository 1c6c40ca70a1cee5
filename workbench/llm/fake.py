"""A LangChain chat model that replies from a queue: tests script the LLM's content and faults.

    fake = FakeChatModel()
    fake.enqueue({"title": "..."})                # dict or pydantic model -> JSON reply
    fake.enqueue('{"title": "cut', finish_reason="length")
    fake.enqueue(LLMUnavailable("endpoint down"))  # raised by the call
    llm = LLMClient.for_chat_model(fake)           # or build_llm(Settings(llm_provider="fake")).fake
    ...
    fake.history[-1]                              # the messages of the last call
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import BaseModel, PrivateAttr

PIECES = re.compile(r"\s*\S+|\s+")


class FakeQueueEmpty(AssertionError):
    """A call reached the fake model with no reply queued."""


@dataclass
class FakeReply:
    """One scripted reply."""

    content: Any
    finish_reason: str = "stop"
    refusal: str | None = None
    delay_seconds: float = 0.0  # per streamed piece, so a test can cancel mid-stream


@dataclass
class FakeCall:
    """What one call sent to the fake model."""

    messages: list[BaseMessage]
    kwargs: dict[str, Any] = field(default_factory=dict)


class FakeChatModel(BaseChatModel):
    """Replies with queued responses, in order, and records every call."""

    _queue: list[FakeReply] = PrivateAttr(default_factory=list)
    _calls: list[FakeCall] = PrivateAttr(default_factory=list)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "workbench-fake"

    def enqueue(
        self,
        response: Any,
        *,
        finish_reason: str = "stop",
        refusal: str | None = None,
        delay_seconds: float = 0.0,
    ) -> "FakeChatModel":
        """Queue a reply: text, a dict or pydantic model (sent as JSON), or an exception to raise."""
        with self._lock:
            self._queue.append(FakeReply(response, finish_reason, refusal, delay_seconds))
        return self

    @property
    def pending(self) -> int:
        """How many queued replies are left."""
        return len(self._queue)

    @property
    def history(self) -> list[list[BaseMessage]]:
        """The messages of each call, oldest first."""
        return [call.messages for call in self._calls]

    @property
    def calls(self) -> list[FakeCall]:
        """Each call's messages and request options (response_format, tools, max_tokens...)."""
        return list(self._calls)

    def _next(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> FakeReply:
        with self._lock:
            self._calls.append(FakeCall(list(messages), dict(kwargs)))
            if not self._queue:
                raise FakeQueueEmpty("FakeChatModel was called but no reply is queued; call enqueue() first")
            reply = self._queue.pop(0)
        if isinstance(reply.content, BaseException):
            raise reply.content
        return reply

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = self._next(messages, kwargs)
        chunks = list(_pieces(reply, kwargs, _word_count(messages)))
        message: AIMessage = AIMessage(content="")
        total: AIMessageChunk | None = None
        for chunk in chunks:
            total = chunk if total is None else total + chunk
        if total is not None:
            message = AIMessage(
                content=total.content,
                additional_kwargs=total.additional_kwargs,
                response_metadata=total.response_metadata,
                tool_calls=total.tool_calls,
                usage_metadata=total.usage_metadata,
            )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        reply = self._next(messages, kwargs)
        for chunk in _pieces(reply, kwargs, _word_count(messages)):
            if reply.delay_seconds:
                time.sleep(reply.delay_seconds)
            yield ChatGenerationChunk(message=chunk)


def _reply_text(content: Any) -> str:
    if isinstance(content, BaseModel):
        return content.model_dump_json()
    if isinstance(content, (dict, list)):
        return json.dumps(content, ensure_ascii=False)
    return "" if content is None else str(content)


def _word_count(messages: list[BaseMessage]) -> int:
    """A stand-in for prompt tokens: the words the fake was sent."""
    return sum(len(str(message.content).split()) for message in messages)


def _pieces(reply: FakeReply, kwargs: dict[str, Any], prompt_tokens: int) -> Iterator[AIMessageChunk]:
    """The reply as streamed chunks: word pieces, finish reason and usage on the last one."""
    text = _reply_text(reply.content)
    tools = kwargs.get("tools") or []
    as_tool_call = bool(tools) and not isinstance(reply.content, str)
    pieces = PIECES.findall(text) or [""]
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        metadata: dict[str, Any] = {"finish_reason": reply.finish_reason} if last else {}
        extra: dict[str, Any] = {"refusal": reply.refusal} if last and reply.refusal else {}
        usage = (
            {"input_tokens": prompt_tokens, "output_tokens": len(pieces), "total_tokens": prompt_tokens + len(pieces)} if last else None
        )
        if as_tool_call:
            name = tools[0].get("function", {}).get("name") if index == 0 else None
            yield AIMessageChunk(
                content="",
                tool_call_chunks=[tool_call_chunk(name=name, args=piece, id="call_fake" if index == 0 else None, index=0)],
                response_metadata=metadata,
                additional_kwargs=extra,
                usage_metadata=usage,
            )
        else:
            yield AIMessageChunk(content=piece, response_metadata=metadata, additional_kwargs=extra, usage_metadata=usage)
