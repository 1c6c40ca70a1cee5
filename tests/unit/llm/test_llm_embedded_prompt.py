"""How the embedded provider shows a chat prompt to a base model, and bounds its grammar."""

from __future__ import annotations

from pydantic import BaseModel, Field

from workbench.domain.drafts import ModuleDraft
from workbench.llm.embedded import bounded_schema, completion_prompt
from workbench.llm.prompts import Message


def test_a_chat_prompt_becomes_a_few_shot_completion_document() -> None:
    messages = [
        Message("system", "Write tips."),
        Message("user", "Topic: meetings"),
        Message("assistant", '{"tip": "Share the agenda."}'),
        Message("user", "Topic: feedback"),
    ]
    assert completion_prompt(messages) == (
        "Write tips.\n\n"
        "Input:\nTopic: meetings\nOutput:\n"
        '{"tip": "Share the agenda."}\n\n'
        "Input:\nTopic: feedback\nOutput:\n"
    )


class Sample(BaseModel):
    """Strings and lists with and without their own limits."""

    free: str
    short: str = Field(max_length=20)
    long_minimum: str = Field(min_length=500)
    tags: list[str]
    many: list[int] = Field(min_length=5)


def test_demo_grammar_caps_unbounded_strings_and_lists_only() -> None:
    schema = bounded_schema(Sample.model_json_schema(), max_chars=100, max_items=3)
    properties = schema["properties"]
    assert properties["free"]["maxLength"] == 100
    assert properties["short"]["maxLength"] == 20  # the caller's own limit stays
    assert properties["long_minimum"]["maxLength"] == 500  # never below the minimum
    assert properties["tags"]["maxItems"] == 3 and properties["tags"]["items"]["maxLength"] == 100
    assert properties["many"]["maxItems"] == 5
    assert "maxLength" not in Sample.model_json_schema()["properties"]["free"]  # the original is untouched


def test_bounding_reaches_nested_definitions() -> None:
    schema = bounded_schema(ModuleDraft.model_json_schema())
    section = schema["$defs"]["Section"]["properties"]
    assert "maxLength" in section["body"] and "maxItems" in section["citations"]
    level = schema["$defs"].get("Level", {})
    assert "maxLength" not in level  # enums are left alone
