"""The schemas the model fills in, the prompts that ask for them, and assembling the replies into a draft."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from workbench.domain.drafts import Brief
from workbench.drafting.assemble import assessment_from_reply, module_from_reply
from workbench.drafting.schemas import CAPABLE_SIZE, DEMO_SIZE, CritiqueReply, assessment_schema, item_schema, module_schema, section_schema
from workbench.llm.prompts import PromptRegistry

def test_demo_schema_bounds_what_the_small_model_writes():
    """Limits and allowed citation ids are in the JSON schema the model follows."""
    schema = module_schema(DEMO_SIZE, ("c1", "c2"))
    text = json.dumps(schema.model_json_schema())
    assert '"enum": ["c1", "c2"]' in text and f'"maxLength": {DEMO_SIZE.body_chars}' in text
    assert schema.model_json_schema()["properties"]["sections"]["maxItems"] == 2
    assert module_schema(CAPABLE_SIZE, ()).model_json_schema()["properties"]["sections"]["maxItems"] == 6


def test_schema_rejects_a_reply_missing_parts():
    """A module without objectives, or an item with an unknown type, is invalid (the LLM layer retries)."""
    with pytest.raises(ValidationError):
        module_schema(DEMO_SIZE, ()).model_validate({"title": "Title", "summary": "A summary here.", "objectives": [], "sections": []})
    item = {"type": "essay", "stem": "Write something", "options": [{"text": "x", "correct": True}], "objective": "o1", "bloom_level": "apply", "difficulty": "easy"}
    with pytest.raises(ValidationError):
        assessment_schema(DEMO_SIZE, (), ("o1",), 3).model_validate({"items": [item]})


def test_assembly_fills_ids_and_brief_fields():
    """Ids and the brief's fixed fields come from the service; short answers are all keys."""
    brief = Brief(topic="t", audience="sales staff", duration_minutes=15, locale="en-IN", skill_ids=["s-1"])
    module = module_from_reply(
        module_schema(DEMO_SIZE, ("c1",)).model_validate(
            {
                "title": "Selling with care",
                "summary": "A short summary.",
                "objectives": [{"verb": "Explain", "text": "Explain care.", "bloom_level": "understand"}],
                "sections": [{"heading": "Care", "body": "Care matters a lot.", "citations": ["c1"]}],
                "activities": [], "glossary": [], "human_touchpoints": [], "key_takeaways": [],
            }
        ),
        brief,
        ["prior-module"],
    )
    assert (module.title, module.audience, module.locale, module.duration_minutes) == ("Selling with care", "sales staff", "en-IN", 15)
    assert module.objectives[0].id == "o1" and module.objectives[0].verb == "explain" and module.prerequisites == ["prior-module"]
    reply = assessment_schema(DEMO_SIZE, ("c1",), ("o1",), 3).model_validate(
        {"items": [{"type": "short_answer", "stem": "Name the value", "options": [{"text": "care", "correct": False, "feedback": ""}],
                    "objective": "o1", "bloom_level": "remember", "difficulty": "easy", "rationale": "", "citations": []}]}
    )
    assessment = assessment_from_reply(reply, module)
    assert assessment.items[0].id == "q1" and assessment.items[0].options[0].correct is True


def test_every_drafting_prompt_file_loads(project_root):
    """The prompt files validate and declare what the service passes."""
    registry = PromptRegistry.load_dir(project_root / "prompts")
    expected = {
        "draft_module": {"brief", "prerequisites", "passages", "size"},
        "draft_assessment": {"brief", "objectives", "passages", "size"},
        "regenerate_section": {"brief", "outline", "section", "note", "passages"},
        "regenerate_item": {"brief", "objective", "item", "note", "passages"},
        "critique": {"dimension", "guidance", "draft", "passages"},
    }
    for name, variables in expected.items():
        prompt = registry.get(name, 1)
        assert set(prompt.input_variables) == variables
        assert prompt.examples, f"{name} needs a few-shot example for the small base model"


def test_prompt_examples_fit_the_schemas(project_root):
    """Each few-shot output is itself a valid reply, so it teaches the model the right shape."""
    registry = PromptRegistry.load_dir(project_root / "prompts")
    module_schema(CAPABLE_SIZE, ("ex-7f3a",)).model_validate(registry.get("draft_module", 1).examples[0]["output"])
    assessment_schema(CAPABLE_SIZE, ("ex-7f3a",), ("o1",), 5).model_validate(registry.get("draft_assessment", 1).examples[0]["output"])
    module_schema(DEMO_SIZE, ("ex-7f3a",)).model_validate(registry.get("draft_module", 1).examples[0]["output"])
    assessment_schema(DEMO_SIZE, ("ex-7f3a",), ("o1",), 3).model_validate(registry.get("draft_assessment", 1).examples[0]["output"])
    section_schema(DEMO_SIZE, ("ex-7f3a",)).model_validate(registry.get("regenerate_section", 1).examples[0]["output"])
    item_schema(DEMO_SIZE, ("ex-7f3a",), ("o1",)).model_validate(registry.get("regenerate_item", 1).examples[0]["output"])
    CritiqueReply.model_validate(registry.get("critique", 1).examples[0]["output"])


def _filler(length: int) -> str:
    words = "the team member agrees a clear next step with their manager today".split()
    text, number = "", 0
    while len(text) < length:
        text += words[number % len(words)] + " "
        number += 1
    return text[:length]


def test_the_longest_demo_reply_fits_its_token_limit():
    """Every string and list at its maximum still fits max_tokens at 3 characters per token (no truncation)."""
    size, ids = DEMO_SIZE, ("a" * 24, "b" * 24, "c" * 24)
    module = {
        "title": _filler(size.title_chars), "summary": _filler(size.text_chars * 2),
        "objectives": [{"verb": _filler(30), "text": _filler(size.text_chars), "bloom_level": "understand"}] * size.objectives,
        "sections": [{"heading": _filler(size.title_chars), "body": _filler(size.body_chars), "citations": list(ids)}] * size.sections,
        "activities": [{"title": _filler(size.title_chars), "instructions": _filler(size.text_chars)}] * size.activities,
        "key_takeaways": [_filler(size.text_chars)] * size.takeaways,
        "human_touchpoints": [{"kind": "peer_learning", "description": _filler(size.text_chars)}] * size.touchpoints,
        "glossary": [{"term": _filler(size.title_chars), "definition": _filler(size.text_chars)}] * size.glossary,
    }
    item = {
        "type": "multiple_response", "stem": _filler(size.stem_chars),
        "options": [{"text": _filler(size.option_chars), "correct": True, "feedback": _filler(size.feedback_chars)}] * size.options,
        "rationale": _filler(size.rationale_chars), "citations": list(ids[:2]), "objective": "o1", "bloom_level": "understand", "difficulty": "medium",
    }
    assessment = {"items": [item] * size.items}
    module_schema(size, ids).model_validate(module)
    assessment_schema(size, ids, ("o1", "o2"), size.items).model_validate(assessment)
    assert len(json.dumps(module)) <= 3 * size.module_max_tokens
    assert len(json.dumps(assessment)) <= 3 * size.assessment_max_tokens


def test_control_characters_from_the_model_are_removed():
    """A NUL or escape character in a reply never reaches the stored draft (the queue would refuse it)."""
    # A capable model's schema allows multi-line text; the plain-text pattern of the demo size already refuses these.
    reply = module_schema(CAPABLE_SIZE, ()).model_validate(
        {
            "activities": [], "glossary": [], "human_touchpoints": [], "key_takeaways": [],
            "title": "Bad\x00 title\x1b",
            "summary": "Line one\nline two.",
            "objectives": [{"verb": "explain", "text": "Explain\x07 it.", "bloom_level": "understand"}],
            "sections": [{"heading": "Head\x00ing", "body": "Para one.\n\nPara\x00 two.", "citations": []}],
        }
    )
    with pytest.raises(ValidationError):
        module_schema(DEMO_SIZE, ()).model_validate(reply.model_dump())
    module = module_from_reply(reply, Brief(topic="t"), [])
    assert module.title == "Bad title" and module.summary == "Line one line two."
    assert module.objectives[0].text == "Explain it." and module.sections[0].heading == "Heading"
    assert module.sections[0].body == "Para one.\n\nPara two."
