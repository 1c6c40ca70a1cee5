"""The wire schema: the strict subset every provider in docs/llm.md accepts, while the full schema stays as declared."""

from __future__ import annotations

import functools
import json
import re
from enum import Enum
from typing import Optional

import jsonschema
import pytest
from pydantic import BaseModel, Field

from tests.support.provider_keywords import outside_every_provider, provider_keywords
from workbench.drafting import schema_check
from workbench.drafting.schemas import (
    CAPABLE_SIZE,
    DEMO_SIZE,
    CritiqueReply,
    assessment_schema,
    item_schema,
    module_schema,
    section_schema,
)
from workbench.llm.check import LLMCheckReply
from workbench.llm.client import SchemaSpec
from workbench.llm.wire_schema import WIRE_KEYWORDS, WireSchemaError, wire_schema


def draft_schemas() -> list[type[BaseModel]]:
    """Every schema drafting sends, at both sizes, with and without passages to cite."""
    schemas: list[type[BaseModel]] = [CritiqueReply, LLMCheckReply]
    for size in (DEMO_SIZE, CAPABLE_SIZE):
        for chunk_ids in ((), ("c1", "c2")):
            schemas += [
                module_schema(size, chunk_ids),
                assessment_schema(size, chunk_ids, ("o1", "o2"), size.items),
                section_schema(size, chunk_ids),
                item_schema(size, chunk_ids, ("o1",)),
            ]
    return schemas


def test_the_wire_keywords_are_exactly_those_every_documented_provider_accepts() -> None:
    table = provider_keywords()
    assert set(table) == {"OpenAI strict", "Azure OpenAI strict", "vLLM", "llama.cpp server", "Ollama"}
    assert WIRE_KEYWORDS == functools.reduce(frozenset.intersection, table.values())


@pytest.mark.parametrize("schema", draft_schemas(), ids=lambda schema: schema.__name__)
def test_every_draft_schema_on_the_wire_fits_every_provider(schema) -> None:
    wire = wire_schema(schema)
    assert outside_every_provider(wire) == {}
    # The full schema, as declared, would not: it is what the wire form exists for.
    assert set(outside_every_provider(schema.model_json_schema())) >= {"OpenAI strict", "Azure OpenAI strict"}


EXAMPLE_SCHEMAS = [schema for size in (DEMO_SIZE, CAPABLE_SIZE) for _, schema in schema_check.draft_schemas(size)]


@pytest.mark.parametrize("schema", EXAMPLE_SCHEMAS, ids=lambda schema: schema.__name__)
def test_the_wire_schema_is_looser_than_the_full_one(schema, project_root) -> None:
    """Whatever the full schema accepts the wire schema accepts too, so local validation is what decides."""
    from workbench.llm.prompts import PromptRegistry

    registry = PromptRegistry.load_dir(project_root / "prompts")
    full, wire = schema.model_json_schema(), wire_schema(schema)
    checked = 0
    for prompt in registry.all():
        for example in prompt.examples:
            if not jsonschema.Draft202012Validator(full).is_valid(example["output"]):
                continue  # an example for another schema (or citing a passage this schema's enum leaves out)
            jsonschema.validate(example["output"], wire)
            checked += 1
    assert checked, "no prompt example exercised this schema"


class Colour(str, Enum):
    """A colour."""

    RED = "red"
    BLUE = "blue"


class Part(BaseModel):
    """A part."""

    name: str = Field(min_length=2, max_length=40, pattern=r"^[a-z]+$")
    colour: Colour
    weight: float = Field(ge=0, le=10)


class Order(BaseModel):
    """An order of parts."""

    parts: list[Part] = Field(min_length=1, max_length=3, description="What is ordered")
    note: Optional[str] = None
    priority: int = 1
    main: Part


def test_the_rules_of_the_wire_form() -> None:
    wire = wire_schema(Order)
    assert "$defs" not in json.dumps(wire) and "$ref" not in json.dumps(wire)
    assert wire["required"] == ["parts", "note", "priority", "main"]  # optional ones became required
    assert wire["additionalProperties"] is False
    assert wire["properties"]["note"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}  # null stays its "empty"
    assert wire["properties"]["priority"] == {"type": "integer"}  # a default is dropped, the value is asked for
    assert wire["properties"]["parts"]["description"] == "What is ordered (1 to 3 items)"
    part = wire["properties"]["parts"]["items"]
    assert part["properties"]["name"] == {"type": "string", "description": "2 to 40 characters"}
    assert part["properties"]["weight"] == {"type": "number", "description": "0 to 10"}
    assert part["properties"]["colour"] == {"description": "A colour.", "enum": ["red", "blue"], "type": "string"}
    assert part["additionalProperties"] is False and part["required"] == ["name", "colour", "weight"]
    assert wire["properties"]["main"] == part


def test_the_full_schema_stays_as_declared_for_local_validation_and_the_embedded_grammar() -> None:
    spec = SchemaSpec.for_model(Order)
    assert spec.json_schema == Order.model_json_schema()
    assert spec.wire_schema == wire_schema(Order)
    assert spec.json_schema["$defs"]["Part"]["properties"]["name"]["maxLength"] == 40
    wire_schema(Order)["properties"]["parts"]["items"]["required"].clear()  # callers get a copy
    assert wire_schema(Order)["properties"]["parts"]["items"]["required"] == ["name", "colour", "weight"]


class FreeForm(BaseModel):
    """A free-form map."""

    counts: dict[str, int]


class Node(BaseModel):
    """A tree."""

    children: list["Node"]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (FreeForm, "FreeForm.counts: a free-form map (object without properties) has no portable form"),
        (Node, "refers to itself; recursive schemas have no portable form"),
    ],
)
def test_a_schema_without_a_portable_form_is_refused_by_name(model, message) -> None:
    with pytest.raises(WireSchemaError, match=re.escape(message)):
        wire_schema(model)
