"""Schema-constrained replies of the embedded model: llguidance's matcher, and the llama.cpp grammar as fallback."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from workbench.drafting.schemas import DEMO_SIZE, module_schema, section_schema
from workbench.llm.client import LLMClient
from workbench.llm.embedded import EmbeddedBackend

pytestmark = pytest.mark.slow
CHUNK_IDS = ("ex-7f3a", "ex-91c2")


def client(gguf: Path, **options) -> LLMClient:
    """A client on the packaged model (the loaded model is shared by every client in the process)."""
    backend = EmbeddedBackend(gguf, model_id=gguf.stem, n_ctx=2048, **options)
    return LLMClient(backend, max_retries=0, temperature=0.0)


def example_variables(prompt) -> dict:
    """The variables of the prompt file's first few-shot example, as a realistic request."""
    return {name: value for name, value in prompt.examples[0].items() if name != "output"}


def key_order(value):
    """The keys of every object in a JSON document, in the order they appear, as a nested structure."""
    if isinstance(value, list):
        return [key_order(item) for item in value]
    if isinstance(value, dict):
        return [(key, key_order(item)) for key, item in value.items()]
    return type(value).__name__


def test_a_module_reply_from_llguidance_validates_with_keys_in_declared_order(embedded_gguf, prompts) -> None:
    llm = client(embedded_gguf)
    prompt = prompts.get("draft_module")
    schema = module_schema(DEMO_SIZE, CHUNK_IDS)
    streamed: list[str] = []
    result = llm.structured(prompt, example_variables(prompt), schema, max_tokens=DEMO_SIZE.module_max_tokens, on_token=streamed.append)

    assert result.parameters["structured_mode"] == "llguidance"
    assert "".join(streamed) == result.raw_text
    assert schema.model_validate_json(result.raw_text) == result.value
    reply = json.loads(result.raw_text)
    assert list(reply) == list(schema.model_json_schema()["properties"])  # as declared, not re-sorted
    cited = {c for section in reply["sections"] for c in section["citations"]}
    assert cited <= set(CHUNK_IDS)
    assert result.completion_tokens > 40


class TaggedTip(BaseModel):
    """A tip with distinct tags: llguidance does not implement uniqueItems, llama.cpp's grammar ignores it."""

    tip: str = Field(min_length=1, max_length=80)
    tags: list[Literal["listening", "feedback", "planning"]] = Field(max_length=2, json_schema_extra={"uniqueItems": True})


def test_a_schema_llguidance_refuses_falls_back_to_the_grammar_logged_once(embedded_gguf, prompts, caplog) -> None:
    llm = client(embedded_gguf)
    prompt = prompts.get("llm_check")
    with caplog.at_level(logging.WARNING, logger="workbench.llm.embedded"):
        first = llm.structured(prompt, {"topic": "coaching"}, TaggedTip, max_tokens=100)
        second = llm.structured(prompt, {"topic": "delegation"}, TaggedTip, max_tokens=100)
    assert (first.parameters["structured_mode"], second.parameters["structured_mode"]) == ("grammar", "grammar")
    assert isinstance(first.value, TaggedTip) and isinstance(second.value, TaggedTip)
    warnings = [record.getMessage() for record in caplog.records if record.name == "workbench.llm.embedded"]
    assert len(warnings) == 1, warnings
    assert "llguidance refuses the schema" in warnings[0] and "TaggedTip" in warnings[0]
    assert "llama.cpp grammar" in warnings[0]


def test_a_vocabulary_llguidance_cannot_bridge_falls_back_to_the_grammar_logged_once(embedded_gguf, prompts, caplog) -> None:
    from llguidance.llamacpp import lltokenizer_from_vocab

    def wrong_object_bridge(llama):
        return lltokenizer_from_vocab(llama)  # the Llama object, not its vocabulary pointer

    llm = client(embedded_gguf, tokenizer_bridge=wrong_object_bridge)
    prompt = prompts.get("llm_check")
    schema = section_schema(DEMO_SIZE, CHUNK_IDS)
    with caplog.at_level(logging.WARNING, logger="workbench.llm.embedded"):
        first = llm.structured(prompt, {"topic": "coaching"}, schema, max_tokens=DEMO_SIZE.section_max_tokens)
        second = llm.structured(prompt, {"topic": "delegation"}, schema, max_tokens=DEMO_SIZE.section_max_tokens)
    assert (first.parameters["structured_mode"], second.parameters["structured_mode"]) == ("grammar", "grammar")
    assert schema.model_validate_json(first.raw_text) and schema.model_validate_json(second.raw_text)
    warnings = [record.getMessage() for record in caplog.records if record.name == "workbench.llm.embedded"]
    assert len(warnings) == 1, warnings
    assert "cannot read this model's vocabulary" in warnings[0] and "llama.cpp grammar" in warnings[0]


def test_llguidance_and_the_grammar_give_replies_of_the_same_shape(embedded_gguf, prompts) -> None:
    prompt = prompts.get("draft_module")
    schema = section_schema(DEMO_SIZE, CHUNK_IDS)
    variables = example_variables(prompt)
    replies = {}
    for constraint in ("llguidance", "grammar"):
        result = client(embedded_gguf, constraint=constraint).structured(
            prompt, variables, schema, max_tokens=DEMO_SIZE.section_max_tokens
        )
        assert result.parameters["structured_mode"] == constraint
        replies[constraint] = json.loads(result.raw_text)
        assert schema.model_validate(replies[constraint])
    guided, grammar = replies["llguidance"], replies["grammar"]
    assert list(guided) == list(grammar) == ["body", "citations", "heading"]
    assert [type(value) for value in guided.values()] == [type(value) for value in grammar.values()]
    assert key_order({k: v for k, v in guided.items() if k != "citations"}) == key_order(
        {k: v for k, v in grammar.items() if k != "citations"}
    )
