"""What really goes over the wire: every draft schema, in every structured mode, as the endpoint receives it,
checked against the table of keywords each provider accepts (docs/llm.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llm_http_stub import Scripted, StubServer  # type: ignore[import-not-found]

from tests.support.provider_keywords import keyword_problems, outside_every_provider, provider_keywords
from workbench.drafting.schema_check import draft_schemas
from workbench.drafting.schemas import CAPABLE_SIZE, DEMO_SIZE, module_schema
from workbench.errors import LLMError
from workbench.llm.check import LLMCheckReply
from workbench.llm.factory import build_llm
from workbench.llm.prompts import load_prompt_file
from workbench.settings import Settings

PROMPT = Path(__file__).resolve().parents[3] / "prompts" / "llm_check.v1.yaml"
SCHEMAS = [schema for size in (DEMO_SIZE, CAPABLE_SIZE) for _, schema in draft_schemas(size)]
SCHEMAS += [module_schema(CAPABLE_SIZE, ()), LLMCheckReply]
JSON_MODE_LEAD = "Reply with one JSON object that matches this JSON schema, and nothing else:\n"


def sent_schema(body: dict, mode: str) -> dict:
    """The schema inside a chat completion request, as the endpoint reads it."""
    if mode == "json_schema":
        return body["response_format"]["json_schema"]["schema"]
    if mode == "tools":
        return body["tools"][0]["function"]["parameters"]
    system = body["messages"][0]["content"]
    return json.loads(system[system.index(JSON_MODE_LEAD) + len(JSON_MODE_LEAD):])


def send_all(form: str, mode: str) -> list[tuple[str, dict, dict]]:
    """(schema name, request body, sent schema) for every draft schema sent once in this mode and form."""
    prompt = load_prompt_file(PROMPT)
    with StubServer() as stub:
        stub.script = [Scripted(content="{}") for _ in SCHEMAS]
        llm = build_llm(Settings(llm_provider="openai", llm_base_url=stub.base_url, llm_model="any", llm_api_key="k-test",
                                 llm_structured_mode=mode, llm_schema=form, llm_max_retries=0))
        for schema in SCHEMAS:
            with pytest.raises(LLMError):  # "{}" is not a valid reply: only the request matters here
                llm.structured(prompt, {"topic": "a"}, schema, max_tokens=8)
    assert len(stub.requests) == len(SCHEMAS)
    return [(schema.__name__, request["json"], sent_schema(request["json"], mode)) for schema, request in zip(SCHEMAS, stub.requests)]


@pytest.mark.parametrize("mode", ["json_schema", "tools", "json_object"])
def test_no_outgoing_wire_schema_is_outside_any_provider_subset(mode) -> None:
    sent = send_all("wire", mode)
    outside = {name: problems for name, _, schema in sent if (problems := outside_every_provider(schema))}
    assert outside == {}
    for name, body, _ in sent:
        if mode == "json_schema":
            assert body["response_format"]["json_schema"]["strict"] is True, name
        if mode == "tools":
            assert body["tools"][0]["function"]["strict"] is True and body["tool_choice"]["function"]["name"] == name


def test_the_full_form_sends_the_schema_as_declared_within_llama_cpp_keywords() -> None:
    llama_cpp = provider_keywords()["llama.cpp server"]
    for (name, body, schema), declared in zip(send_all("full", "tools"), SCHEMAS):
        assert schema == declared.model_json_schema(), name
        assert keyword_problems(schema, llama_cpp) == [], name
        assert body["tools"][0]["function"]["strict"] is False
