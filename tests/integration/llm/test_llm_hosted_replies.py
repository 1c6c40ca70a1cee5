"""Hosted providers' reply shapes, replayed: OpenAI's and Azure's documented responses through the real openai provider.

OpenAI and Azure OpenAI cannot run here; their documented response examples (structured reply,
refusal, forced tool call, truncation by length, Azure's content filter on the reply and on the
prompt, a rejected schema) are replayed by a loopback server as the SDK would receive them, so
the parsing of each shape stays right.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llm_http_stub import Scripted, StubServer  # type: ignore[import-not-found]
from pydantic import BaseModel

import workbench.errors as errors
from workbench.llm.factory import build_llm
from workbench.llm.prompts import load_prompt_file
from workbench.settings import Settings

REPLAYS = json.loads((Path(__file__).parent / "replays" / "hosted_providers.json").read_text(encoding="utf-8"))["cases"]
PROMPT = """\
name: event
version: 1
description: Extract an event.
input_variables: [text]
template: "$text"
"""


class CalendarEvent(BaseModel):
    """An event: the Structured Outputs guide's example schema."""

    name: str
    date: str
    participants: list[str]


class GetWeather(BaseModel):
    """The function calling guide's example function."""

    location: str


SCHEMAS = {"CalendarEvent": CalendarEvent, "GetWeather": GetWeather}


@pytest.fixture(scope="module")
def prompt(tmp_path_factory):
    path = tmp_path_factory.mktemp("prompt") / "event.v1.yaml"
    path.write_text(PROMPT, encoding="utf-8")
    return load_prompt_file(path)


@pytest.mark.parametrize("case", REPLAYS, ids=[case["name"] for case in REPLAYS])
def test_a_documented_hosted_reply_is_parsed_right(case, prompt) -> None:
    answer = Scripted(status=case.get("status", 200), body=case.get("body"), chunks=case.get("chunks"))
    with StubServer() as stub:
        stub.script = [answer]
        settings = Settings(
            llm_provider="openai", llm_base_url=stub.base_url, llm_model="gpt-4o-2024-08-06", llm_api_key="sk-replay-key-000",
            llm_structured_mode=case["mode"], llm_max_retries=0,
        )
        llm = build_llm(settings)
        expect = case["expect"]
        if "value" in expect:
            result = llm.structured(prompt, {"text": "Alice and Bob are going to a science fair on Friday."}, SCHEMAS[case["schema"]])
            assert result.value.model_dump() == expect["value"]
            assert result.parameters["structured_mode"] == case["mode"]
            if "prompt_tokens" in expect:
                assert (result.prompt_tokens, result.completion_tokens) == (expect["prompt_tokens"], expect["completion_tokens"])
        else:
            with pytest.raises(errors.LLMError) as raised:
                llm.structured(prompt, {"text": "something the provider refuses"}, SCHEMAS[case["schema"]])
            assert type(raised.value) is getattr(errors, expect["error"]), f"{type(raised.value).__name__}: {raised.value}"
            assert expect["message"] in str(raised.value)
            if "raw_output" in expect:
                assert raised.value.raw_output == expect["raw_output"]
    sent = stub.requests[0]["json"]
    assert sent["stream"] is True
    if case["mode"] == "json_schema":
        assert sent["response_format"]["json_schema"]["strict"] is True
        assert sent["response_format"]["json_schema"]["schema"]["additionalProperties"] is False
    else:
        assert sent["tool_choice"] == {"type": "function", "function": {"name": case["schema"]}}
