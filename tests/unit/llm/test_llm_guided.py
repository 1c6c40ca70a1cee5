"""What llguidance is given and what makes the embedded provider fall back to the grammar (no model loaded)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from workbench.drafting.schema_check import draft_schemas
from workbench.drafting.schemas import CAPABLE_SIZE, DEMO_SIZE
from workbench.llm.check import LLMCheckReply
from workbench.llm.embedded import EmbeddedBackend, bounded_schema
from workbench.llm.guided import ConstraintUnavailable, checked_tokenizer, schema_grammar
from workbench.settings import Settings


@pytest.mark.parametrize("size", [DEMO_SIZE, CAPABLE_SIZE], ids=["demo", "capable"])
def test_every_drafting_schema_compiles_for_llguidance(size) -> None:
    """No draft falls back to the slow grammar: llguidance takes every schema drafting sends."""
    for name, schema in draft_schemas(size) + [("llm_check", LLMCheckReply)]:
        declared = schema.model_json_schema()
        grammar = schema_grammar(bounded_schema(declared) if size is DEMO_SIZE else declared, None)
        assert grammar, name


def test_the_grammar_keeps_the_declared_key_order() -> None:
    declared = {"type": "object", "properties": {"zeta": {"type": "string"}, "alpha": {"type": "integer"}}, "required": ["zeta", "alpha"]}
    grammar = json.loads(schema_grammar(declared, None))["grammars"][0]
    assert list(grammar["json_schema"]["properties"]) == ["zeta", "alpha"]
    assert grammar["json_schema"]["x-guidance"] == {"item_separator": ", ", "key_separator": ": ", "whitespace_flexible": False}


def test_objects_admit_only_their_declared_keys_unless_the_schema_says_otherwise() -> None:
    declared = {
        "type": "object",
        "properties": {
            "properties": {"type": "object", "properties": {"x": {"type": "string"}}},
            "open": {"type": "object", "additionalProperties": {"type": "integer"}},
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
        },
        "$defs": {"Item": {"type": "object", "properties": {"name": {"type": "string"}}}},
    }
    grammar = json.loads(schema_grammar(declared, None))["grammars"][0]["json_schema"]
    assert grammar["additionalProperties"] is False
    assert grammar["properties"]["properties"]["additionalProperties"] is False  # a property named "properties"
    assert "additionalProperties" not in grammar["properties"]  # ...is not itself a schema
    assert grammar["properties"]["open"]["additionalProperties"] == {"type": "integer"}  # as declared
    assert grammar["$defs"]["Item"]["additionalProperties"] is False
    assert "additionalProperties" not in declared  # the caller's schema is untouched


@pytest.mark.parametrize(
    ("schema", "named"),
    [
        ({"type": "array", "items": {"type": "string"}, "uniqueItems": True}, "uniqueItems"),
        ({"not": {"type": "string"}}, "not"),
        ({"type": "string", "pattern": "^(?=a)a+$"}, "look-around"),
    ],
)
def test_a_schema_llguidance_refuses_is_reported_with_its_reason(schema, named) -> None:
    with pytest.raises(ConstraintUnavailable, match="llguidance refuses the schema") as refused:
        schema_grammar(schema, None)
    assert named in str(refused.value)


class NotALlama:
    """Stands in for a model whose vocabulary cannot be read."""

    def n_vocab(self) -> int:
        return 262_144


def test_a_bridge_given_the_wrong_object_is_reported_not_raised() -> None:
    from llguidance.llamacpp import lltokenizer_from_vocab

    with pytest.raises(ConstraintUnavailable, match="cannot read this model's vocabulary"):
        checked_tokenizer(lambda llama: lltokenizer_from_vocab(llama), NotALlama())


def test_a_bridge_that_returns_no_tokenizer_is_reported() -> None:
    with pytest.raises(ConstraintUnavailable, match="the bridge gave dict"):
        checked_tokenizer(lambda llama: {}, NotALlama())


def test_the_constraint_setting_accepts_llguidance_and_grammar_only(monkeypatch) -> None:
    assert Settings().llm_constraint == "llguidance"
    monkeypatch.setenv("WORKBENCH_LLM_CONSTRAINT", "grammar")
    assert Settings().llm_constraint == "grammar"
    monkeypatch.setenv("WORKBENCH_LLM_CONSTRAINT", "regex")
    with pytest.raises(ValidationError, match="llguidance"):
        Settings()
    with pytest.raises(ValueError, match="use llguidance or grammar"):
        EmbeddedBackend("model.gguf", model_id="m", n_ctx=512, constraint="regex")
