"""The openai provider against a scripted loopback server: retries, fallbacks, wrong keys, no leaks, and
every fault a server can cause (rejected schema, context overflow, timeout, a connection closed before
or during the answer, 429 with Retry-After, refused connections) ending in exactly its named error."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from llm_http_stub import Scripted, StubServer  # type: ignore[import-not-found]
from pydantic import BaseModel

from workbench.errors import (
    LLMError,
    LLMRefused,
    LLMRequestRejected,
    LLMSchemaRejected,
    LLMServerCrashed,
    LLMTruncated,
    LLMUnavailable,
)
from workbench.llm.factory import build_llm
from workbench.llm.generation_log import InMemoryGenerationLog
from workbench.llm.prompts import load_prompt_file
from workbench.settings import Settings

SECRET = "sk-test-SECRET123"
PROMPTS = Path(__file__).resolve().parents[3] / "prompts"


class Reply(BaseModel):
    """The llm_check reply shape."""

    topic: str
    tip: str


@pytest.fixture
def stub():
    with StubServer() as server:
        yield server


@pytest.fixture
def prompt():
    return load_prompt_file(PROMPTS / "llm_check.v1.yaml")


def settings_for(url: str, **overrides) -> Settings:
    values = dict(
        llm_provider="openai",
        llm_base_url=url,
        llm_model="stub-model",
        llm_api_key=SECRET,
        llm_max_retries=2,
        llm_timeout_seconds=5,
    )
    values.update(overrides)
    return Settings(**values)


def test_429_and_5xx_are_retried_with_backoff(stub, prompt) -> None:
    stub.script = [
        Scripted(status=429, body={"error": {"message": "slow down"}}, headers={"retry-after-ms": "50"}),
        Scripted(status=503, body={"error": {"message": "busy"}}, headers={"retry-after-ms": "50"}),
        Scripted(content='{"topic": "a", "tip": "b"}'),
    ]
    llm = build_llm(settings_for(stub.base_url))
    result = llm.structured(prompt, {"topic": "a"}, Reply)
    assert result.value == Reply(topic="a", tip="b")
    assert len(stub.requests) == 3


def test_persistent_5xx_becomes_unavailable_after_the_retries(stub, prompt) -> None:
    stub.script = [Scripted(status=500, body={"error": {"message": "boom"}}, headers={"retry-after-ms": "10"})] * 3
    llm = build_llm(settings_for(stub.base_url))
    with pytest.raises(LLMUnavailable, match=r"failed with HTTP 500.*: boom \(still failing after 2 retries\)"):
        llm.structured(prompt, {"topic": "a"}, Reply)
    assert len(stub.requests) == 3  # one call plus two retries


def test_auto_mode_falls_back_to_tools_when_json_schema_is_rejected_and_remembers(stub, prompt) -> None:
    stub.script = [
        Scripted(status=400, body={"error": {"message": "response_format json_schema is not supported"}}),
        Scripted(content='{"topic": "a", "tip": "b"}'),
        Scripted(content='{"topic": "c", "tip": "d"}'),
    ]
    llm = build_llm(settings_for(stub.base_url, llm_model="stub-fallback"))
    first = llm.structured(prompt, {"topic": "a"}, Reply)
    assert first.parameters["structured_mode"] == "tools"
    assert stub.requests[0]["json"]["response_format"]["type"] == "json_schema"
    assert stub.requests[1]["json"]["tool_choice"]["function"]["name"] == "Reply"
    second = build_llm(settings_for(stub.base_url, llm_model="stub-fallback")).structured(prompt, {"topic": "c"}, Reply)
    assert second.value.topic == "c"
    assert "tools" in stub.requests[2]["json"]  # no second json_schema probe


def test_an_azure_style_content_filter_rejection_is_a_refusal(stub, prompt) -> None:
    stub.script = [Scripted(status=400, body={"error": {"code": "content_filter", "message": "filtered"}})]
    with pytest.raises(LLMRefused, match="content filter"):
        build_llm(settings_for(stub.base_url)).structured(prompt, {"topic": "a"}, Reply)


def test_the_token_limit_reaches_a_local_server_as_max_tokens(stub, prompt) -> None:
    stub.script = [Scripted(content='{"topic": "a", "tip": "b"}')]
    build_llm(settings_for(stub.base_url, llm_structured_mode="json_object")).structured(
        prompt, {"topic": "a"}, Reply, max_tokens=33
    )
    body = stub.requests[0]["json"]
    assert body["max_tokens"] == 33 and "max_completion_tokens" not in body
    assert body["response_format"] == {"type": "json_object"}


def test_a_wrong_key_is_a_clear_error_and_the_key_never_leaks(stub, prompt, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    echo = f"Incorrect API key provided: {SECRET}. Bearer {SECRET}"
    stub.script = [Scripted(status=401, body={"error": {"message": echo, "code": "invalid_api_key"}})]
    log = InMemoryGenerationLog()
    llm = build_llm(settings_for(stub.base_url), generation_log=log)
    with pytest.raises(LLMUnavailable) as raised:
        llm.structured(prompt, {"topic": "a"}, Reply)
    assert "rejected the API key (HTTP 401)" in str(raised.value)
    assert stub.requests[0]["headers"]["authorization"] == f"Bearer {SECRET}"  # the key was really sent
    assert len(stub.requests) == 1  # a 401 is not retried
    surfaces = [str(raised.value), repr(raised.value), str(raised.value.raw_output), caplog.text, repr(log.records)]
    surfaces += [str(getattr(raised.value, "__cause__", "")), str(getattr(raised.value, "__context__", ""))]
    for surface in surfaces:
        assert SECRET not in surface
        assert "SECRET123" not in surface
    assert log.records[0]["outcome"] == "unavailable"


def test_an_unreachable_endpoint_is_unavailable(prompt) -> None:
    llm = build_llm(settings_for("http://127.0.0.1:9/v1", llm_max_retries=0))
    with pytest.raises(LLMUnavailable, match="cannot reach the LLM endpoint http://127.0.0.1:9/v1"):
        llm.structured(prompt, {"topic": "a"}, Reply)


def test_a_request_that_times_out_is_unavailable(stub, prompt) -> None:
    stub.script = [Scripted(content='{"topic": "a", "tip": "b"}', delay_seconds=1.5)]
    llm = build_llm(settings_for(stub.base_url, llm_timeout_seconds=0.3, llm_max_retries=0))
    with pytest.raises(LLMUnavailable, match="did not answer in time"):
        llm.structured(prompt, {"topic": "a"}, Reply)


@pytest.mark.parametrize("mode", ["json_object", "json_schema", "tools"])
def test_a_reply_cut_at_the_token_limit_is_a_truncation_in_every_mode(stub, prompt, mode) -> None:
    stub.script = [Scripted(content='{"topic": "a", "tip": "cut', finish_reason="length")]
    llm = build_llm(settings_for(stub.base_url, llm_structured_mode=mode))
    with pytest.raises(LLMTruncated) as raised:
        llm.structured(prompt, {"topic": "a"}, Reply, max_tokens=50)
    assert raised.value.raw_output == '{"topic": "a", "tip": "cut'


# -- every fault the stub causes for real ends in exactly its named error --------------------------

SCHEMA_400 = {"error": {"message": "Invalid schema for response_format 'Reply': In context=('properties', 'tip'), 'maxLength' is not permitted.",
                        "type": "invalid_request_error", "param": "response_format", "code": None}}
CONTEXT_400 = {"error": {"message": "This model's maximum context length is 2048 tokens. However, you requested 5020 tokens "
                                    "(5010 in the messages, 10 in the completion).", "type": "invalid_request_error",
                         "param": "messages", "code": "context_length_exceeded"}}
FAULTS = [
    # (id, script, settings overrides, error class, message, requests the stub saw)
    ("schema rejected with HTTP 400", [Scripted(status=400, body=SCHEMA_400)], {"llm_structured_mode": "json_schema"},
     LLMSchemaRejected, "rejected the Reply schema in json_schema: HTTP 400: Invalid schema for response_format 'Reply': "
                        "In context=('properties', 'tip'), 'maxLength' is not permitted.", 1),
    ("every structured mode rejected", [Scripted(status=400, body=SCHEMA_400)] * 3, {},
     LLMSchemaRejected, "in every structured-output mode (json_schema: HTTP 400: Invalid schema", 3),
    ("request too long for the context", [Scripted(status=400, body=CONTEXT_400)], {},
     LLMRequestRejected, "the request does not fit the model's context (HTTP 400: This model's maximum context length is 2048 tokens", 1),
    ("timeout", [Scripted(content='{"topic": "a", "tip": "b"}', delay_seconds=1.5)], {"llm_timeout_seconds": 0.3},
     LLMUnavailable, "did not answer in time; raise WORKBENCH_LLM_TIMEOUT_SECONDS", 1),
    ("closed before answering", [Scripted(close_after_chunks=0)], {},
     LLMServerCrashed, "closed the connection while generating — it may have crashed; see its log", 1),
    ("closed while streaming", [Scripted(content='{"topic": "active listening", "tip": "Repeat back what you heard"}', close_after_chunks=3)],
     {"llm_max_retries": 2}, LLMServerCrashed, "closed the connection while generating — it may have crashed; see its log", 1),
    ("stream ended without a finish_reason", [Scripted(content='{"topic": "a", "tip": "b', finish_reason=None)], {"llm_max_retries": 2},
     LLMServerCrashed, "ended the reply without finishing it (no finish_reason) — it may have crashed; see its log", 1),
    ("closed, then closed again on every retry", [Scripted(close_after_chunks=0)] * 3, {"llm_max_retries": 2},
     LLMServerCrashed, "may have crashed; see its log (still failing after 2 retries)", 3),
    ("rate limited beyond what the workbench waits", [Scripted(status=429, body={"error": {"message": "slow down"}}, headers={"Retry-After": "120"})],
     {"llm_max_retries": 2}, LLMUnavailable, "rate-limiting requests (HTTP 429); it asked to wait 120 s (Retry-After); try again later", 1),
]


@pytest.mark.parametrize(("script", "overrides", "error", "message", "requests"), [case[1:] for case in FAULTS], ids=[case[0] for case in FAULTS])
def test_each_fault_ends_in_its_named_error(stub, prompt, script, overrides, error, message, requests) -> None:
    stub.script = list(script)
    log = InMemoryGenerationLog()
    llm = build_llm(settings_for(stub.base_url, **{"llm_max_retries": 0, **overrides}), generation_log=log)
    streamed: list[str] = []
    with pytest.raises(LLMError) as raised:
        llm.structured(prompt, {"topic": "a"}, Reply, on_token=streamed.append)
    assert type(raised.value) is error, f"{type(raised.value).__name__}: {raised.value}"
    assert message in str(raised.value)
    assert len(stub.requests) == requests
    assert (raised.value.raw_output or "") == "".join(streamed)  # whatever was streamed before the fault is kept
    assert log.records[-1]["error"] == str(raised.value)


def test_retry_after_of_a_429_is_honoured(stub, prompt) -> None:
    stub.script = [
        Scripted(status=429, body={"error": {"message": "slow down"}}, headers={"Retry-After": "1"}),
        Scripted(content='{"topic": "a", "tip": "b"}'),
    ]
    result = build_llm(settings_for(stub.base_url, llm_max_retries=1)).structured(prompt, {"topic": "a"}, Reply)
    assert result.value == Reply(topic="a", tip="b")
    waited = stub.requests[1]["at"] - stub.requests[0]["at"]
    # Without the header the first backoff would be at most 0.5 s.
    assert 1.0 <= waited < 3.0, waited


def test_a_429_that_persists_names_the_wait_asked_for(stub, prompt) -> None:
    stub.script = [Scripted(status=429, body={"error": {"message": "slow down"}}, headers={"retry-after-ms": "200"})] * 2
    with pytest.raises(LLMUnavailable) as raised:
        build_llm(settings_for(stub.base_url, llm_max_retries=1)).structured(prompt, {"topic": "a"}, Reply)
    assert type(raised.value) is LLMUnavailable
    assert str(raised.value).endswith(
        "is rate-limiting requests (HTTP 429); it asked to wait 0.2 s (Retry-After); try again later (still failing after 1 retries)"
    )


def test_a_refused_connection_is_unreachable_not_a_crash(prompt) -> None:
    with socket.socket() as probe:  # a port that was just free: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    llm = build_llm(settings_for(f"http://127.0.0.1:{port}/v1", llm_max_retries=1))
    with pytest.raises(LLMUnavailable) as raised:
        llm.structured(prompt, {"topic": "a"}, Reply)
    assert type(raised.value) is LLMUnavailable
    assert f"cannot reach the LLM endpoint http://127.0.0.1:{port}/v1 (connection refused or no such host)" in str(raised.value)


def test_an_endpoint_message_reaches_the_error_without_control_characters(stub, prompt) -> None:
    hostile = {"error": {"message": "bad schema\x1b[2J\x1b]0;owned\x07 \u202eevil\nsecond line", "param": "response_format"}}
    stub.script = [Scripted(status=400, body=hostile)]
    with pytest.raises(LLMSchemaRejected) as raised:
        build_llm(settings_for(stub.base_url, llm_structured_mode="json_schema")).structured(prompt, {"topic": "a"}, Reply)
    text = str(raised.value)
    assert "bad schema\\u001b[2J\\u001b]0;owned\\u0007 \\u202eevil second line" in text
    assert not any(ord(ch) < 32 or ch == "\u202e" for ch in text)
