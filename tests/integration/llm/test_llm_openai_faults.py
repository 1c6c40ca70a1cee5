"""The openai provider against a scripted loopback server: retries, fallbacks, wrong keys, no leaks."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from llm_http_stub import Scripted, StubServer  # type: ignore[import-not-found]
from pydantic import BaseModel

from workbench.errors import LLMRefused, LLMTruncated, LLMUnavailable
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
    with pytest.raises(LLMUnavailable, match="HTTP 500 even after retries"):
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
